import Foundation

/// An on-call schedule: rotation layers and overrides in one IANA time zone.
///
/// Who is on call at an instant: the latest override covering it, else the last layer that has someone
/// then (a layer has nobody before its start or outside its restrictions), else nobody.
public struct Schedule: Sendable {
    public var name: String
    public var timeZone: TimeZone
    /// Lowest precedence first: a later layer wins where it has someone.
    public var layers: [ScheduleLayer]
    /// Temporary replacements; a later override wins where two overlap.
    public var overrides: [ScheduleOverride]

    public init(name: String, timeZone: TimeZone, layers: [ScheduleLayer], overrides: [ScheduleOverride] = []) {
        self.name = name
        self.timeZone = timeZone
        self.layers = layers
        self.overrides = overrides
    }

    var zoned: ZonedTime { ZonedTime(zone: timeZone) }

    /// The name of the person on call at `ms` (Unix milliseconds), or nil when nobody is.
    public func onCall(at ms: Int64) -> String? { entry(at: ms)?.person }

    /// Who is on call at `ms` and where that comes from (a layer's name, or `override`).
    func entry(at ms: Int64) -> (person: String, source: String)? {
        if let o = overrides.last(where: { $0.startMs <= ms && ms < $0.endMs }) { return (o.person, "override") }
        let z = zoned
        for layer in layers.reversed() {
            if let p = layer.person(at: floorDiv(ms, 1000), z) { return (p, layer.name) }
        }
        return nil
    }

    /// The longest window `shifts(fromMs:toMs:)` computes: a quarter of a year, so an hourly rotation
    /// gives a few thousand shifts at most.
    public static let shiftsWindowMsMax: Int64 = 92 * 86_400_000

    /// The shifts in `[fromMs, toMs)`: consecutive periods with one person on call (or nobody, which is
    /// left out), cut at handoffs, restriction edges and overrides, clipped to the window.
    /// A window longer than `shiftsWindowMsMax` is shortened to it.
    public func shifts(fromMs: Int64, toMs: Int64) -> [Shift] {
        let toMs = min(toMs, fromMs + Schedule.shiftsWindowMsMax)
        guard fromMs < toMs else { return [] }
        let z = zoned
        let from = floorDiv(fromMs, 1000), to = floorDiv(toMs - 1, 1000) + 1
        var edges: Set<Int64> = []
        for layer in layers { layer.edges(from: from, to: to, z, into: &edges) }
        var cuts = [fromMs]
        cuts += edges.map { $0 * 1000 }.filter { $0 > fromMs && $0 < toMs }
        for o in overrides {
            for t in [o.startMs, o.endMs] where t > fromMs && t < toMs { cuts.append(t) }
        }
        cuts = Array(Set(cuts)).sorted()
        cuts.append(toMs)
        var out: [Shift] = []
        for i in 0..<(cuts.count - 1) {
            guard let e = entry(at: cuts[i]) else { continue }
            if let last = out.last, last.endMs == cuts[i], last.person == e.person, last.source == e.source {
                out[out.count - 1].endMs = cuts[i + 1]
            } else {
                out.append(Shift(person: e.person, source: e.source, startMs: cuts[i], endMs: cuts[i + 1]))
            }
        }
        return out
    }

    /// The shift that contains `ms`, its bounds looked up within `shiftLookMs` either side.
    public func shift(at ms: Int64) -> Shift? {
        shifts(fromMs: ms - Schedule.shiftLookMs, toMs: ms + Schedule.shiftLookMs)
            .first { $0.startMs <= ms && ms < $0.endMs }
    }

    /// How far `shift(at:)` looks for the current shift's start and end: longer shifts show clipped bounds.
    public static let shiftLookMs: Int64 = 45 * 86_400_000
}

/// A period in which one person is on call.
public struct Shift: Sendable, Equatable {
    public var person: String
    /// The layer's name, or `override`.
    public var source: String
    public var startMs: Int64
    public var endMs: Int64
}

/// A temporary replacement: `person` is on call from `startMs` until `endMs`.
public struct ScheduleOverride: Sendable, Equatable {
    public var startMs: Int64
    public var endMs: Int64
    public var person: String

    public init(startMs: Int64, endMs: Int64, person: String) {
        self.startMs = startMs
        self.endMs = endMs
        self.person = person
    }
}

/// A rotation: participants take turns, each for `lengthSeconds` of wall-clock time, handing off at
/// local wall times. Shift `n` starts at wall time `firstHandoffWall + n * lengthSeconds` in the schedule's
/// zone, so across a daylight-saving change a daily shift lasts 23 or 25 hours and the handoff stays at
/// the same local time.
public struct ScheduleLayer: Sendable {
    public var name: String
    /// Wall-clock seconds between handoffs: 86400 daily, 604800 weekly, or the custom `length`.
    public var lengthSeconds: Int64
    /// The wall time of the first handoff (the rotation's start): local seconds counted as if the zone were UTC.
    public var firstHandoffWall: Int64
    public var participants: [String]
    /// When the layer has someone; empty: always.
    public var restrictions: [LayerRestriction]

    public init(name: String, lengthSeconds: Int64, firstHandoffWall: Int64, participants: [String], restrictions: [LayerRestriction] = []) {
        precondition(lengthSeconds > 0 && !participants.isEmpty, "BUG: a layer needs a positive length and participants")
        self.name = name
        self.lengthSeconds = lengthSeconds
        self.firstHandoffWall = firstHandoffWall
        self.participants = participants
        self.restrictions = restrictions
    }

    /// The instant (Unix seconds) shift `n` starts.
    func handoff(_ n: Int64, _ z: ZonedTime) -> Int64 { z.instant(firstHandoffWall + n * lengthSeconds) }

    /// The shift number running at instant `t` (negative before the rotation starts).
    func shiftIndex(at t: Int64, _ z: ZonedTime) -> Int64 {
        var n = floorDiv(z.wall(t) - firstHandoffWall, lengthSeconds)
        while handoff(n + 1, z) <= t { n += 1 }
        while handoff(n, z) > t { n -= 1 }
        return n
    }

    /// Who this layer puts on call at instant `t` (Unix seconds), if anyone.
    func person(at t: Int64, _ z: ZonedTime) -> String? {
        let n = shiftIndex(at: t, z)
        guard n >= 0 else { return nil }
        if !restrictions.isEmpty {
            let wall = z.wall(t)
            guard restrictions.contains(where: { $0.contains(wall) }) else { return nil }
        }
        return participants[Int(n % Int64(participants.count))]
    }

    /// Instants in `[from, to]` where this layer's answer may change: handoffs and restriction edges.
    func edges(from: Int64, to: Int64, _ z: ZonedTime, into out: inout Set<Int64>) {
        var n = max(0, shiftIndex(at: from, z))
        while true {
            let h = handoff(n, z)
            if h > to { break }
            if h >= from { out.insert(h) }
            n += 1
        }
        guard !restrictions.isEmpty else { return }
        let firstDay = floorDiv(z.wall(from), ZonedTime.daySeconds) - 1
        let lastDay = floorDiv(z.wall(to), ZonedTime.daySeconds) + 1
        var marks: Set<Int64> = [0]
        for r in restrictions { for w in r.times { marks.insert(w.startSecond); marks.insert(w.endSecond % ZonedTime.daySeconds) } }
        for day in firstDay...lastDay {
            for m in marks {
                let t = z.instant(day * ZonedTime.daySeconds + m)
                if t >= from && t <= to { out.insert(t) }
            }
        }
    }
}

/// When a restricted layer has someone, in the schedule's local time: on `weekdays` (empty: every day)
/// within one of `times` (empty: all day), as Alertmanager's `time_intervals` write it.
public struct LayerRestriction: Sendable, Equatable {
    /// 0 is Sunday … 6 is Saturday.
    public var weekdays: Set<Int>
    public var times: [TimeWindow]

    public init(weekdays: Set<Int> = [], times: [TimeWindow] = []) {
        self.weekdays = weekdays
        self.times = times
    }

    /// Whether a wall time falls in this restriction.
    func contains(_ wall: Int64) -> Bool {
        if !weekdays.isEmpty && !weekdays.contains(ZonedTime.weekday(wall)) { return false }
        if times.isEmpty { return true }
        let s = ZonedTime.secondOfDay(wall)
        return times.contains { $0.startSecond <= s && s < $0.endSecond }
    }
}

/// `[startSecond, endSecond)` of a local day, in seconds since midnight (end up to 86400).
public struct TimeWindow: Sendable, Equatable {
    public var startSecond: Int64
    public var endSecond: Int64

    public init(startSecond: Int64, endSecond: Int64) {
        self.startSecond = startSecond
        self.endSecond = endSecond
    }
}
