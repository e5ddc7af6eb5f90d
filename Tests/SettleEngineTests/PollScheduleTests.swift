import Testing
@testable import SettleEngine

/// A replica polls often while records come, backs off while none do, and polls often again as
/// soon as one poll finds records or a read waits for an op.
@Suite("Replica poll schedule")
struct PollScheduleTests {
    @Test func idlePollsDoubleUpToTheIdleIntervalAndRecordsOrWaitingReadsResetThem() {
        var schedule = PollSchedule(busy: 5, idle: 100)
        #expect(schedule.next(applied: true, readsWaiting: false) == 5)
        let idle = (0..<7).map { _ in schedule.next(applied: false, readsWaiting: false) }
        #expect(idle == [10, 20, 40, 80, 100, 100, 100])
        #expect(schedule.next(applied: false, readsWaiting: true) == 5)
        #expect(schedule.next(applied: false, readsWaiting: false) == 10)
        #expect(schedule.next(applied: true, readsWaiting: false) == 5)
    }

    @Test func anIdleIntervalBelowTheBusyOneNeverPollsFasterThanBusy() {
        var schedule = PollSchedule(busy: 50, idle: 10)
        #expect(schedule.next(applied: false, readsWaiting: false) == 50)
        var zero = PollSchedule(busy: 0, idle: 0)
        #expect(zero.next(applied: false, readsWaiting: false) == 1)  // never a busy loop
    }
}
