#!/usr/bin/env bash
# Regenerates Sources/SettleProtocol/Generated/*.swift from Protos/settle/v1/*.proto.
#
# Why a script and committed output: building the protoc plugins (swift-protobuf's
# protoc-gen-swift and grpc-swift-protobuf's protoc-gen-grpc-swift-2) takes minutes, so the
# normal build never runs protoc or the plugins. Run this after editing a .proto and commit the
# .proto together with what it writes.
#
# What it does:
#   1. installs protoc from apt (protobuf-compiler) if it is not on PATH;
#   2. checks out grpc-swift-protobuf at GRPC_SWIFT_PROTOBUF_VERSION into a scratch folder,
#      pins its swift-protobuf dependency to SWIFT_PROTOBUF_VERSION and builds both plugins
#      from it (the scratch folder is reused by later runs, so they take seconds);
#   3. runs protoc with both plugins, Visibility=Public, into a temporary folder, then replaces
#      the Generated folder with it.
#
# The versions below must match the `from:` versions in Package.swift: generated code and
# runtime library are released together and checked against each other at compile time.
set -euo pipefail

SWIFT_PROTOBUF_VERSION=1.39.0
GRPC_SWIFT_PROTOBUF_VERSION=2.4.1

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROTO_ROOT="$ROOT/Protos"
OUT="$ROOT/Sources/SettleProtocol/Generated"
# Ignored by git (.build-*/); delete it to rebuild the plugins from scratch.
WORK="${SETTLE_PROTOGEN_DIR:-$ROOT/.build-protogen}"

start=$(date +%s)

if ! command -v protoc >/dev/null 2>&1; then
    echo "== installing protoc (apt: protobuf-compiler)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    $SUDO apt-get install -y protobuf-compiler
fi
echo "== $(protoc --version)"

CHECKOUT="$WORK/grpc-swift-protobuf-$GRPC_SWIFT_PROTOBUF_VERSION"
if [ ! -d "$CHECKOUT" ]; then
    echo "== cloning grpc-swift-protobuf $GRPC_SWIFT_PROTOBUF_VERSION"
    mkdir -p "$WORK"
    git -c advice.detachedHead=false clone --quiet --depth 1 --branch "$GRPC_SWIFT_PROTOBUF_VERSION" \
        https://github.com/grpc/grpc-swift-protobuf.git "$CHECKOUT.tmp"
    mv "$CHECKOUT.tmp" "$CHECKOUT"
fi

echo "== building the plugins (debug: they run once, compile time matters more than speed)"
swift package --package-path "$CHECKOUT" resolve
swift package --package-path "$CHECKOUT" resolve swift-protobuf --version "$SWIFT_PROTOBUF_VERSION"
# Both executables come from one package graph, so SwiftProtobuf is compiled once.
swift build --package-path "$CHECKOUT" --product protoc-gen-grpc-swift-2
swift build --package-path "$CHECKOUT" --product protoc-gen-swift
BIN="$(swift build --package-path "$CHECKOUT" --show-bin-path)"

echo "== generating"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mapfile -t PROTOS < <(cd "$PROTO_ROOT" && find . -name '*.proto' | sed 's|^\./||' | sort)
(
    cd "$PROTO_ROOT"
    protoc \
        --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
        --plugin=protoc-gen-grpc-swift="$BIN/protoc-gen-grpc-swift-2" \
        --swift_out="$TMP" \
        --swift_opt=Visibility=Public \
        --swift_opt=FileNaming=PathToUnderscores \
        --grpc-swift_out="$TMP" \
        --grpc-swift_opt=Visibility=Public \
        --grpc-swift_opt=FileNaming=PathToUnderscores \
        --grpc-swift_opt=Server=true \
        --grpc-swift_opt=Client=true \
        "${PROTOS[@]}"
)
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$TMP"/*.swift "$OUT"/
ls -1 "$OUT"
echo "== done in $(( $(date +%s) - start )) s"
