import HookCore
import Testing

extension DeliveryPolicyTests {
    @Suite("Retry-After")
    struct RetryAfterTests {
        /// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
        static let exampleDate = 784_111_777.0
        /// 90 s before the example date.
        static let now = exampleDate - 90

        @Test("delta-seconds are read as they are", arguments: [("120", 120.0), ("0", 0.0), ("007", 7.0), ("  120\t", 120.0)])
        func deltaSeconds(text: String, seconds: Double) {
            #expect(RetrySchedule.parseRetryAfter(text, now: Self.now) == seconds)
        }

        @Test("delta-seconds beyond 2^31 read as 2^31")
        func hugeDeltaSeconds() {
            #expect(RetrySchedule.parseRetryAfter("2147483647", now: 0) == 2_147_483_647)
            #expect(RetrySchedule.parseRetryAfter("2147483649", now: 0) == 2_147_483_648)
            #expect(RetrySchedule.parseRetryAfter(String(repeating: "9", count: 400), now: 0) == 2_147_483_648)
        }

        @Test("the three HTTP-date forms give the seconds until the date", arguments: [
            "Sun, 06 Nov 1994 08:49:37 GMT",  // IMF-fixdate
            "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
            "Sun Nov  6 08:49:37 1994",  // asctime
            " Sun, 06 Nov 1994 08:49:37 GMT ",
        ])
        func httpDates(text: String) {
            #expect(RetrySchedule.parseRetryAfter(text, now: Self.now) == 90)
        }

        @Test("an asctime date with a two-digit day")
        func asctimeTwoDigitDay() {
            let eighteenDays = 1_555_200.0
            #expect(RetrySchedule.parseRetryAfter("Thu Nov 24 08:49:37 1994", now: Self.exampleDate) == eighteenDays)
        }

        @Test("a date in the past means now")
        func pastDate() {
            #expect(RetrySchedule.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.exampleDate + 1000) == 0)
            #expect(RetrySchedule.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.exampleDate) == 0)
        }

        @Test("dates are exact at the ends of the calendar and on leap days", arguments: [
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
            ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799.0),
            ("Thu, 29 Feb 1996 00:00:00 GMT", 825_552_000.0),
            ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400.0),
            ("Sun, 06 Nov 1994 08:49:60 GMT", 784_111_800.0),  // a leap second reads as the next minute
        ])
        func exactDates(text: String, secondsSince1970: Double) {
            #expect(RetrySchedule.parseRetryAfter(text, now: -10) == secondsSince1970 + 10)
        }

        @Test("RFC 850's two-digit year is this century's, or the last one's when more than 50 years ahead")
        func twoDigitYears() {
            let now = 1_796_282_400.0  // 2026-12-03T07:20:00Z
            #expect(RetrySchedule.parseRetryAfter("Thursday, 03-Dec-26 07:30:00 GMT", now: now) == 600)
            // 2076 is 50 years ahead: still this century.
            #expect(RetrySchedule.parseRetryAfter("Wednesday, 01-Jan-76 00:00:00 GMT", now: now) == 3_345_062_400 - now)
            // 2077 would be 51 years ahead: 1977, in the past.
            #expect(RetrySchedule.parseRetryAfter("Friday, 01-Jan-77 00:00:00 GMT", now: now) == 0)
        }

        @Test("anything else is not a Retry-After", arguments: [
            "", "   ", "soon", "-5", "+5", "1.5", "1e3", "120s", "12 0",
            "Sun, 06 Nov 1994 08:49:37 UTC",  // only GMT
            "sun, 06 Nov 1994 08:49:37 GMT",  // names are case-sensitive
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",  // two-digit day
            "Sun, 06 Nov 94 08:49:37 GMT",  // four-digit year
            "Sun 06 Nov 1994 08:49:37 GMT",  // comma
            "Sunday, 06 Nov 1994 08:49:37 GMT",  // long name with the fixdate
            "Sun, 06-Nov-94 08:49:37 GMT",  // short name with RFC 850
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 31 Apr 1994 08:49:37 GMT",  // no 31 April
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Wed, 29 Feb 1995 00:00:00 GMT",  // not a leap year
            "Mon, 29 Feb 2100 00:00:00 GMT",  // nor is 2100
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",  // asctime pads a one-digit day with a space
            "Sun Nov 06 08:49:37 1994 GMT",
            "Sun Nov  6 08:49:37 94",
        ])
        func garbage(text: String) {
            #expect(RetrySchedule.parseRetryAfter(text, now: Self.now) == nil)
        }

        @Test("a date needs a finite now; delta-seconds do not")
        func nonFiniteNow() {
            #expect(RetrySchedule.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: .nan) == nil)
            #expect(RetrySchedule.parseRetryAfter("30", now: .nan) == 30)
        }
    }
}
