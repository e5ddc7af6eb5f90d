import SettleRecon
import Testing

@Suite struct CalendarDateTests {
    @Test func roundTripsEveryDayOfFourCenturies() {
        var date = CalendarDate(year: 1900, month: 1, day: 1)!
        var last = date.dayNumber - 1
        for _ in 0..<(400 * 366) {
            #expect(date.dayNumber == last + 1)
            let (y, m, d) = date.components
            #expect(CalendarDate(year: y, month: m, day: d) == date)
            last = date.dayNumber
            date = CalendarDate(dayNumber: date.dayNumber + 1)
        }
    }

    @Test func knownDays() {
        #expect(CalendarDate(year: 1970, month: 1, day: 1)?.dayNumber == 0)
        #expect(CalendarDate(iso8601: "2009-10-29T10:00:00+02:00")?.description == "2009-10-29")
        #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(ledgerTimestamp: 86_400_000_000_000 * 3 + 5).dayNumber == 3)
    }
}
