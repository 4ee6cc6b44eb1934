import Alerting
import Foundation
import Testing

/// `time_intervals` as Alertmanager documents them: fields all must match, ranges inclusive except the
/// exclusive end time, negative days count from the month's end, evaluated in `location` (UTC by default).
@Suite struct TimeIntervalTests {
    func config(_ intervals: String) throws -> AlertmanagerConfig {
        try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n" + intervals, file: "am.yml")
    }

    func ms(_ iso: String) -> Int64 {
        let f = ISO8601DateFormatter()
        return Int64(f.date(from: iso)!.timeIntervalSince1970 * 1000)
    }

    @Test func businessHoursInBerlinAcrossTheSpringChange() throws {
        let c = try config("""
              - name: office
                time_intervals:
                  - weekdays: ['monday:friday']
                    times: [{start_time: '09:00', end_time: '17:00'}]
                    location: Europe/Berlin
            """)
        // Friday before the change: Berlin is UTC+1.
        #expect(!c.timeInterval("office", contains: ms("2026-03-27T07:59:00Z")))
        #expect(c.timeInterval("office", contains: ms("2026-03-27T08:00:00Z")))
        #expect(c.timeInterval("office", contains: ms("2026-03-27T15:59:00Z")))
        #expect(!c.timeInterval("office", contains: ms("2026-03-27T16:00:00Z")), "end time is exclusive")
        // Saturday.
        #expect(!c.timeInterval("office", contains: ms("2026-03-28T10:00:00Z")))
        // Monday after the change: Berlin is UTC+2, so 09:00 local is 07:00 UTC.
        #expect(!c.timeInterval("office", contains: ms("2026-03-30T06:59:00Z")))
        #expect(c.timeInterval("office", contains: ms("2026-03-30T07:00:00Z")))
        #expect(!c.timeInterval("office", contains: ms("2026-03-30T15:00:00Z")))
    }

    @Test func theSkippedHourOnTheDaylightSavingDay() throws {
        // 2026-03-29 in Berlin: clocks jump from 02:00 to 03:00 (01:00 UTC).
        let c = try config("""
              - name: two
                time_intervals: [{times: [{start_time: '02:00', end_time: '03:00'}], location: Europe/Berlin}]
              - name: one
                time_intervals: [{times: [{start_time: '01:00', end_time: '02:00'}], location: Europe/Berlin}]
              - name: three
                time_intervals: [{times: [{start_time: '03:00', end_time: '04:00'}], location: Europe/Berlin}]
            """)
        #expect(c.timeInterval("one", contains: ms("2026-03-29T00:30:00Z")))
        #expect(!c.timeInterval("two", contains: ms("2026-03-29T00:59:00Z")))
        #expect(!c.timeInterval("two", contains: ms("2026-03-29T01:00:00Z")), "02:00-03:00 does not exist that day")
        #expect(c.timeInterval("three", contains: ms("2026-03-29T01:00:00Z")))
        // Autumn in New York: 01:00-02:00 happens twice on 2026-11-01, both times inside.
        let ny = try config("""
              - name: one
                time_intervals: [{times: [{start_time: '01:00', end_time: '02:00'}], location: America/New_York}]
            """)
        #expect(ny.timeInterval("one", contains: ms("2026-11-01T05:30:00Z")))
        #expect(ny.timeInterval("one", contains: ms("2026-11-01T06:30:00Z")))
        #expect(!ny.timeInterval("one", contains: ms("2026-11-01T07:30:00Z")))
    }

    @Test func negativeDaysOfMonthCountFromTheEnd() throws {
        let c = try config("""
              - name: last
                time_intervals: [{days_of_month: ['-1']}]
              - name: lastweek
                time_intervals: [{days_of_month: ['-7:-1'], location: Europe/Berlin}]
              - name: late
                time_intervals: [{days_of_month: ['30:31']}]
              - name: end
                time_intervals: [{days_of_month: ['25:31']}]
            """)
        #expect(c.timeInterval("last", contains: ms("2028-02-29T12:00:00Z")), "leap year")
        #expect(!c.timeInterval("last", contains: ms("2028-02-28T12:00:00Z")))
        #expect(c.timeInterval("last", contains: ms("2027-02-28T12:00:00Z")))
        #expect(c.timeInterval("last", contains: ms("2026-04-30T23:59:00Z")))
        // March 2026 in Berlin has a daylight-saving change and still 31 days.
        #expect(c.timeInterval("lastweek", contains: ms("2026-03-31T12:00:00Z")))
        #expect(c.timeInterval("lastweek", contains: ms("2026-03-25T12:00:00Z")))
        #expect(!c.timeInterval("lastweek", contains: ms("2026-03-24T12:00:00Z")))
        // Evaluated in Berlin: 23:30 UTC on the 24th is already the 25th there.
        #expect(c.timeInterval("lastweek", contains: ms("2026-03-24T23:30:00Z")))
        // A range starting after the month's end matches nothing; one running past it is clamped.
        #expect(!c.timeInterval("late", contains: ms("2026-02-28T12:00:00Z")))
        #expect(c.timeInterval("end", contains: ms("2026-02-28T12:00:00Z")))
    }

    @Test func routesAreMutedOrActiveByTheirIntervals() throws {
        let c = try AlertmanagerConfig.parse("""
            route:
              receiver: r
              routes:
                - matchers: [severity=info]
                  mute_time_intervals: [weekend]
                - matchers: [severity=warning]
                  active_time_intervals: [office]
                - matchers: [severity=critical]
            time_intervals:
              - name: weekend
                time_intervals: [{weekdays: [saturday, sunday]}]
              - name: office
                time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}]}]
            receivers: [{name: r}]
            """, file: "am.yml")
        let (info, warning, critical) = (c.route.routes[0], c.route.routes[1], c.route.routes[2])
        let saturdayNoon = ms("2026-05-02T12:00:00Z"), tuesdayNoon = ms("2026-05-05T12:00:00Z"), tuesdayNight = ms("2026-05-05T22:00:00Z")
        #expect(c.isMuted(info, at: saturdayNoon))
        #expect(!c.isMuted(info, at: tuesdayNoon))
        #expect(c.isMuted(warning, at: saturdayNoon))
        #expect(!c.isMuted(warning, at: tuesdayNoon))
        #expect(c.isMuted(warning, at: tuesdayNight))
        #expect(!c.isMuted(critical, at: saturdayNoon))
        #expect(!c.isMuted(critical, at: tuesdayNight))
    }

    @Test func monthsYearsAndUTCDefault() throws {
        let c = try config("""
              - name: winter
                time_intervals: [{months: ['january:march', 'December']}]
              - name: years
                time_intervals: [{years: ['2025:2026']}]
              - name: utc
                time_intervals: [{times: [{start_time: '09:00', end_time: '24:00'}]}]
              - name: either
                time_intervals:
                  - weekdays: [sunday]
                  - months: [july]
            """)
        #expect(c.timeInterval("winter", contains: ms("2026-02-10T00:00:00Z")))
        #expect(c.timeInterval("winter", contains: ms("2026-12-10T00:00:00Z")))
        #expect(!c.timeInterval("winter", contains: ms("2026-04-10T00:00:00Z")))
        #expect(c.timeInterval("years", contains: ms("2026-12-31T23:59:59Z")))
        #expect(!c.timeInterval("years", contains: ms("2027-01-01T00:00:00Z")))
        #expect(!c.timeInterval("utc", contains: ms("2026-05-05T08:59:59Z")))
        #expect(c.timeInterval("utc", contains: ms("2026-05-05T23:59:00Z")))
        // Entries of one name: any may match.
        #expect(c.timeInterval("either", contains: ms("2026-05-03T10:00:00Z")), "a Sunday")
        #expect(c.timeInterval("either", contains: ms("2026-07-07T10:00:00Z")), "a Tuesday in July")
        #expect(!c.timeInterval("either", contains: ms("2026-05-05T10:00:00Z")))
        #expect(!c.timeInterval("unknown", contains: ms("2026-05-05T10:00:00Z")))
    }
}
