import SettleRecon
import Testing

@Suite struct CalendarDateTests {
    @Test func roundTripsEveryDayOfFourCenturies() {
        var date = CalendarDate(year: 1900, month: 1, day: 1)!
        var previous = (year: 1899, month: 12, day: 31)
        for _ in 0..<(400 * 366) {
            let (y, m, d) = date.components
            #expect(CalendarDate(year: y, month: m, day: d) == date)
            // The next day of the calendar: the day after, else the 1st of the next month or year.
            let next = (y, m, d) == (previous.year, previous.month, previous.day + 1)
                || (d == 1 && ((y, m) == (previous.year, previous.month + 1) || (y, m, previous.month) == (previous.year + 1, 1, 12)))
            #expect(next, "\(date) after \(previous)")
            previous = (y, m, d)
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
