import OspreyCore

/// `rate`, `increase`, `delta` (extrapolated, or anchored/smoothed) and `irate`, `idelta`.
extension RangeFunctions {
    /// Extrapolation reaches a window boundary when the gap to it is below this many average sample intervals;
    /// otherwise the series is assumed to start or end inside the window, half an interval beyond its sample.
    static let extrapolationThresholdIntervals = 1.1

    static func rateFamily(_ input: RangeInput, isCounter: Bool, isRate: Bool, notes: inout [FunctionAnnotation]) -> Double? {
        let result: Double?
        if input.anchored || input.smoothed {
            result = extendedRate(input, isCounter: isCounter, isRate: isRate)
        } else {
            result = extrapolatedRate(input, isCounter: isCounter, isRate: isRate, notes: &notes)
        }
        if result != nil, isCounter, let note = counterNote(input) { notes.append(note) }
        return result
    }

    /// The classic computation: the difference between the first and last sample in the window (corrected
    /// for counter resets), extrapolated towards the window's edges.
    static func extrapolatedRate(_ input: RangeInput, isCounter: Bool, isRate: Bool, notes: inout [FunctionAnnotation]) -> Double? {
        let points = input.points
        guard let first = points.first, let last = points.last else { return nil }
        let sts: [Int64] = isCounter ? Array(input.startTimestamps ?? []) : []
        let numMinusOne = points.count - 1
        var result = last.v - first.v
        if isCounter {
            var overlapSeen = false
            var prev = first
            for (i, cur) in points.dropFirst().enumerated() {
                if !overlapSeen, i + 1 < sts.count, startTimeOverlaps(prevST: sts[i], prevT: prev.t, curST: sts[i + 1]) {
                    notes.append(.startTimeOverlap(metricName: input.metricName ?? ""))
                    overlapSeen = true
                }
                if cur.v < prev.v || (i + 1 < sts.count && isStartTimestampReset(prevST: sts[i], prevT: prev.t, curST: sts[i + 1], curT: cur.t)) {
                    result += prev.v
                }
                prev = cur
            }
        }

        let rangeStart = input.rangeStart, rangeEnd = input.evalTime
        var durationToStart = Double(first.t - rangeStart) / 1000
        var durationToEnd = Double(rangeEnd - last.t) / 1000
        var sampledInterval = Double(last.t - first.t) / 1000
        let averageInterval = numMinusOne > 0 ? sampledInterval / Double(numMinusOne) : 0
        let threshold = averageInterval * extrapolationThresholdIntervals

        if isCounter, let st0 = sts.first, st0 != 0, st0 > rangeStart, st0 < first.t {
            // The first sample says when its counter started inside the window: count from a zero there
            // instead of extrapolating to the left.
            durationToStart = 0
            sampledInterval = Double(last.t - st0) / 1000
            result += first.v
        } else if numMinusOne == 0 {
            return nil
        } else {
            if durationToStart >= threshold { durationToStart = averageInterval / 2 }
            if isCounter {
                // A counter cannot go below zero: stop extrapolating where the trend would reach it.
                var durationToZero = durationToStart
                if result > 0, first.v >= 0 { durationToZero = sampledInterval * (first.v / result) }
                if durationToZero < durationToStart { durationToStart = durationToZero }
            }
        }
        if durationToEnd >= threshold { durationToEnd = averageInterval / 2 }

        var factor = 1.0
        if sampledInterval != 0 { factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval }
        if isRate { factor /= Double(input.evalTime - input.rangeStart) / 1000 }
        return result * factor
    }

    /// `anchored`/`smoothed` windows: the value at each edge is the last sample at or before it (anchored) or
    /// interpolated between its neighbours (smoothed); no extrapolation.
    static func extendedRate(_ input: RangeInput, isCounter: Bool, isRate: Bool) -> Double? {
        var f: [Sample] = []
        f.reserveCapacity(input.points.count + 2)
        if let before = input.before { f.append(before) }
        f.append(contentsOf: input.points)
        if input.smoothed, let after = input.after { f.append(after) }
        guard !f.isEmpty else { return nil }
        let rangeStart = input.rangeStart, rangeEnd = input.evalTime

        var lastIndex = f.count - 1
        var firstIndex = max(0, (f[0..<lastIndex].firstIndex { $0.t > rangeStart } ?? lastIndex) - 1)
        if input.smoothed { lastIndex = f[0..<lastIndex].firstIndex { $0.t >= rangeEnd } ?? lastIndex }
        if f[lastIndex].t <= rangeStart { return nil }
        if input.smoothed && f[firstIndex].t > rangeEnd { return nil }

        var left = f[firstIndex].v
        if input.smoothed && f[firstIndex].t < rangeStart {
            left = interpolate(f[firstIndex], f[firstIndex + 1], at: rangeStart, isCounter: isCounter)
        }
        var right = f[lastIndex].v
        if input.smoothed && lastIndex > 0 && f[lastIndex].t > rangeEnd {
            right = interpolate(f[lastIndex - 1], f[lastIndex], at: rangeEnd, isCounter: isCounter)
        }
        var result = right - left
        if isCounter {
            // Resets at the edges are already in `left`/`right`; count those strictly inside.
            if f[firstIndex].t <= rangeStart { firstIndex += 1 }
            if f[lastIndex].t >= rangeEnd { lastIndex -= 1 }
            var prev = left
            if firstIndex <= lastIndex {
                for p in f[firstIndex...lastIndex] {
                    if p.v < prev { result += prev }
                    prev = p.v
                }
            }
            if right < prev { result += prev }
        }
        if isRate { result /= Double(input.evalTime - input.rangeStart) / 1000 }
        return result
    }

    /// The straight line between two samples at `t`; for a counter that reset between them, from zero.
    static func interpolate(_ p1: Sample, _ p2: Sample, at t: Int64, isCounter: Bool) -> Double {
        let y1 = isCounter && p2.v < p1.v ? 0 : p1.v
        return y1 + (p2.v - y1) * Double(t - p1.t) / Double(p2.t - p1.t)
    }

    /// `irate`/`idelta`: from the last two samples only.
    static func instantValue(_ input: RangeInput, isRate: Bool) -> Double? {
        let points = input.points
        guard points.count >= 2 else { return nil }
        let prev = points[points.endIndex - 2], cur = points[points.endIndex - 1]
        let interval = cur.t - prev.t
        guard interval != 0 else { return nil }
        var prevST: Int64 = 0, curST: Int64 = 0
        if isRate, let sts = input.startTimestamps {
            let i = points.count - 2
            if i < sts.count { prevST = sts[sts.startIndex + i] }
            if i + 1 < sts.count { curST = sts[sts.startIndex + i + 1] }
        }
        var result = cur.v
        if !isRate || !(cur.v < prev.v || isStartTimestampReset(prevST: prevST, prevT: prev.t, curST: curST, curT: cur.t)) {
            result = cur.v - prev.v
        }
        if isRate { result /= Double(interval) / 1000 }
        return result
    }

    /// Whether a sample's start timestamp says its counter restarted since the previous sample.
    static func isStartTimestampReset(prevST: Int64, prevT: Int64, curST: Int64, curT: Int64) -> Bool {
        // Unset (0), invalid (after the sample) or OpenTelemetry's "unknown" (equal to it): no reset.
        if curST == 0 || curST >= curT { return false }
        if curST < prevT { return false }
        if curST > prevT { return true }
        // The start points at the previous sample: a reset for delta series, not for a cumulative series
        // whose start is unknown — so it depends on whether the previous start was known.
        if prevST > prevT { return false }
        return prevST != 0 && prevST != prevT
    }

    /// A start timestamp before the previous sample that is not the previous sample's own start.
    static func startTimeOverlaps(prevST: Int64, prevT: Int64, curST: Int64) -> Bool {
        curST != 0 && curST < prevT && curST != prevST
    }
}
