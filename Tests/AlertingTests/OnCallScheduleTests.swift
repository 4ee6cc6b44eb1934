@testable import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct OnCallScheduleTests {
    static let people = """
        oncall:
          people:
            - {name: alice, email: alice@example.com}
            - {name: bob, email: bob@example.com, phone: "+4915112345678"}
            - {name: carol, email: carol@example.com, chat: "@carol"}
            - {name: dave, email: dave@example.com}
        """

    func schedule(_ body: String) throws -> Schedule {
        let c = try onCallConfig(OnCallScheduleTests.people + "\n  schedules:\n" + body)
        return try #require(c.schedules.first)
    }

    @Test func dailyRotationHandsOffAtTheHandoffTime() throws {
        let s = try schedule("""
                - name: primary
                  time_zone: UTC
                  layers:
                    - rotation: daily
                      handoff: "09:00"
                      start: 2026-01-05
                      participants: [alice, bob, carol]
            """)
        #expect(s.onCall(at: ms("2026-01-05T08:59:59Z")) == nil, "nobody before the rotation starts")
        #expect(s.onCall(at: ms("2026-01-05T09:00:00Z")) == "alice")
        #expect(s.onCall(at: ms("2026-01-06T08:59:59Z")) == "alice")
        #expect(s.onCall(at: ms("2026-01-06T09:00:00Z")) == "bob")
        #expect(s.onCall(at: ms("2026-01-07T12:00:00Z")) == "carol")
        #expect(s.onCall(at: ms("2026-01-08T09:00:00Z")) == "alice", "the rotation wraps around")
    }

    @Test func dailyHandoffStaysAtNineLocalAcrossBerlinDaylightSavingChanges() throws {
        let s = try schedule("""
                - name: primary
                  time_zone: Europe/Berlin
                  layers:
                    - rotation: daily
                      handoff: "09:00"
                      start: 2026-03-27
                      participants: [alice, bob]
            """)
        // Clocks go forward on 2026-03-29 at 02:00 CET: 09:00 is 08:00Z before, 07:00Z after.
        let spring = s.shifts(fromMs: ms("2026-03-28T00:00:00Z"), toMs: ms("2026-03-31T00:00:00Z"))
        #expect(spring.map(\.startMs).dropFirst() == [ms("2026-03-28T08:00:00Z"), ms("2026-03-29T07:00:00Z"), ms("2026-03-30T07:00:00Z")])
        #expect(spring.map(\.person) == ["alice", "bob", "alice", "bob"])
        #expect(spring[1].endMs - spring[1].startMs == 23 * hourMs, "the shift across the change is 23 hours")
        #expect(s.onCall(at: ms("2026-03-29T06:59:59Z")) == "bob")
        #expect(s.onCall(at: ms("2026-03-29T07:00:00Z")) == "alice")
        // Clocks go back on 2026-10-25 at 03:00 CEST: 09:00 is 07:00Z before, 08:00Z after.
        let autumn = s.shifts(fromMs: ms("2026-10-24T07:00:00Z"), toMs: ms("2026-10-26T08:00:00Z"))
        #expect(autumn.map(\.startMs) == [ms("2026-10-24T07:00:00Z"), ms("2026-10-25T08:00:00Z")])
        #expect(autumn[0].endMs - autumn[0].startMs == 25 * hourMs, "the shift across the change is 25 hours")
    }

    @Test func dailyHandoffAcrossNewYorkDaylightSavingChange() throws {
        let s = try schedule("""
                - name: us
                  time_zone: America/New_York
                  layers:
                    - {rotation: daily, handoff: "09:00", start: 2026-03-01, participants: [alice, bob]}
            """)
        // 2026-03-08: EST (-5) → EDT (-4) at 02:00.
        #expect(s.onCall(at: ms("2026-03-07T14:00:00Z")) != s.onCall(at: ms("2026-03-07T13:59:59Z")))
        #expect(s.onCall(at: ms("2026-03-08T13:00:00Z")) != s.onCall(at: ms("2026-03-08T12:59:59Z")))
        #expect(s.onCall(at: ms("2026-03-08T13:59:59Z")) == s.onCall(at: ms("2026-03-08T13:00:00Z")), "no handoff at the old 14:00Z")
    }

    @Test func handoffInsideTheSkippedOrRepeatedHourIsDefined() throws {
        let s = try schedule("""
                - name: night
                  time_zone: Europe/Berlin
                  layers:
                    - {rotation: daily, handoff: "02:30", start: 2026-03-01, participants: [alice, bob]}
            """)
        let layer = s.layers[0], z = s.zoned
        // 02:30 does not exist on 2026-03-29: the handoff is when the clock jumps to 03:00 CEST (01:00Z).
        let spring = layer.handoff(28, z)
        #expect(spring == ms("2026-03-29T01:00:00Z") / 1000)
        // 02:30 happens twice on 2026-10-25: the handoff is at the first, 02:30 CEST (00:30Z).
        let autumnDay = WallFormat.date("2026-10-25")! - WallFormat.date("2026-03-01")!
        #expect(layer.handoff(autumnDay, z) == ms("2026-10-25T00:30:00Z") / 1000)
    }

    @Test func weeklyRotationHandsOffOnTheHandoffDay() throws {
        let s = try schedule("""
                - name: weekly
                  time_zone: UTC
                  layers:
                    - rotation: weekly
                      handoff_day: monday
                      handoff: "10:00"
                      start: 2026-01-01
                      participants: [alice, bob]
            """)
        // 2026-01-01 is a Thursday: the first shift starts Monday 2026-01-05 10:00.
        #expect(s.onCall(at: ms("2026-01-05T09:59:00Z")) == nil)
        #expect(s.onCall(at: ms("2026-01-05T10:00:00Z")) == "alice")
        #expect(s.onCall(at: ms("2026-01-12T09:59:59Z")) == "alice")
        #expect(s.onCall(at: ms("2026-01-12T10:00:00Z")) == "bob")
        #expect(s.onCall(at: ms("2026-01-19T10:00:00Z")) == "alice")
        let shifts = s.shifts(fromMs: ms("2026-01-05T10:00:00Z"), toMs: ms("2026-01-26T10:00:00Z"))
        #expect(shifts.count == 3 && shifts.allSatisfy { $0.endMs - $0.startMs == 7 * 24 * hourMs })
    }

    @Test(arguments: [("12h", ["alice", "bob", "carol", "alice"]), ("3d", ["alice", "alice", "alice", "alice"])])
    func customLengthRotation(length: String, expected: [String]) throws {
        let s = try schedule("""
                - name: custom
                  time_zone: Europe/Berlin
                  layers:
                    - {rotation: custom, length: \(length), handoff: "08:00", start: 2026-02-02, participants: [alice, bob, carol]}
            """)
        // 08:00 and 20:00 CET are 07:00Z and 19:00Z.
        let at = ["2026-02-02T07:00:00Z", "2026-02-02T19:00:00Z", "2026-02-03T07:00:00Z", "2026-02-03T19:00:00Z"]
        #expect(at.map { s.onCall(at: ms($0)) } == expected)
        if length == "3d" {
            #expect(s.onCall(at: ms("2026-02-05T06:59:59Z")) == "alice")
            #expect(s.onCall(at: ms("2026-02-05T07:00:00Z")) == "bob")
        }
    }

    @Test func laterLayerWinsWhereItHasSomeone() throws {
        let s = try schedule("""
                - name: primary
                  time_zone: UTC
                  layers:
                    - {name: base, rotation: daily, handoff: "09:00", start: 2026-01-05, participants: [alice, bob]}
                    - name: weekend
                      rotation: weekly
                      start: 2026-01-05
                      participants: [carol]
                      restrictions:
                        - weekdays: ["saturday:sunday"]
                    - name: office-hours-lead
                      rotation: daily
                      start: 2026-01-05
                      participants: [dave]
                      restrictions:
                        - weekdays: [wednesday]
                          times: [{start_time: "12:00", end_time: "14:00"}]
            """)
        // 2026-01-07 is a Wednesday (alice's day in the base layer); 2026-01-10 a Saturday.
        #expect(s.onCall(at: ms("2026-01-07T11:59:00Z")) == "alice")
        #expect(s.onCall(at: ms("2026-01-07T12:00:00Z")) == "dave")
        #expect(s.onCall(at: ms("2026-01-07T14:00:00Z")) == "alice")
        #expect(s.onCall(at: ms("2026-01-10T00:00:00Z")) == "carol")
        #expect(s.onCall(at: ms("2026-01-11T23:59:59Z")) == "carol")
        #expect(s.onCall(at: ms("2026-01-12T00:00:00Z")) == "alice", "Monday 00:00: back to the base layer")
        let shifts = s.shifts(fromMs: ms("2026-01-07T09:00:00Z"), toMs: ms("2026-01-07T20:00:00Z"))
        #expect(shifts.map(\.person) == ["alice", "dave", "alice"])
        #expect(shifts.map(\.source) == ["base", "office-hours-lead", "base"])
        #expect(shifts.map(\.startMs) == [ms("2026-01-07T09:00:00Z"), ms("2026-01-07T12:00:00Z"), ms("2026-01-07T14:00:00Z")])
    }

    @Test func overrideTakesPrecedenceOverLayers() throws {
        let s = try schedule("""
                - name: primary
                  time_zone: Europe/Berlin
                  layers:
                    - {rotation: daily, handoff: "09:00", start: 2026-01-05, participants: [alice, bob]}
                  overrides:
                    - {start: "2026-01-06 12:00", end: "2026-01-06 18:00", person: carol}
                    - {start: "2026-01-06T16:00:00Z", end: "2026-01-06T16:30:00Z", person: dave}
            """)
        // 12:00 Berlin is 11:00Z in winter.
        #expect(s.onCall(at: ms("2026-01-06T10:59:59Z")) == "bob")
        #expect(s.onCall(at: ms("2026-01-06T11:00:00Z")) == "carol")
        #expect(s.onCall(at: ms("2026-01-06T16:10:00Z")) == "dave", "a later override wins where two overlap")
        #expect(s.onCall(at: ms("2026-01-06T17:00:00Z")) == "bob")
        let shifts = s.shifts(fromMs: ms("2026-01-06T08:00:00Z"), toMs: ms("2026-01-07T08:00:00Z"))
        #expect(shifts.map(\.person) == ["bob", "carol", "dave", "carol", "bob"])
        #expect(shifts[1].source == "override")
        let now = try #require(s.shift(at: ms("2026-01-06T12:00:00Z")))
        #expect(now.person == "carol" && now.startMs == ms("2026-01-06T11:00:00Z") && now.endMs == ms("2026-01-06T16:00:00Z"))
    }

    @Test func restrictedHoursFollowLocalTimeAcrossTheChange() throws {
        let s = try schedule("""
                - name: office
                  time_zone: Europe/Berlin
                  layers:
                    - name: office
                      rotation: weekly
                      handoff_day: monday
                      start: 2026-03-02
                      participants: [alice, bob]
                      restrictions:
                        - weekdays: ["monday:friday"]
                          times: [{start_time: "09:00", end_time: "17:00"}]
            """)
        // Week 4 from 2026-03-02 (bob) ends on Friday 2026-03-27, CET (09:00 = 08:00Z); week 5 (alice) starts
        // Monday 2026-03-30, CEST (09:00 = 07:00Z).
        let shifts = s.shifts(fromMs: ms("2026-03-27T00:00:00Z"), toMs: ms("2026-03-31T00:00:00Z"))
        #expect(shifts == [
            Shift(person: "bob", source: "office", startMs: ms("2026-03-27T08:00:00Z"), endMs: ms("2026-03-27T16:00:00Z")),
            Shift(person: "alice", source: "office", startMs: ms("2026-03-30T07:00:00Z"), endMs: ms("2026-03-30T15:00:00Z")),
        ])
        #expect(s.onCall(at: ms("2026-03-28T12:00:00Z")) == nil, "nobody on the weekend")
    }
}
