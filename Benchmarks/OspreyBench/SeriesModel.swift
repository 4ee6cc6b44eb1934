import OspreyCore

/// How one series' value moves from scrape to scrape. Values are integers of some unit scaled the way
/// node_exporter scales them (`Double(n * mul) / div`), so they carry exactly the decimals it prints:
/// CPU seconds are USER_HZ ticks / 100, disk times milliseconds / 1000, memory kB × 1024, bytes whole.
enum Shape: Sendable {
    /// Never changes (`*_info`, sizes, limits, error counters that stay 0).
    case constant(Double)
    /// Grows by about `incMean` units a scrape (relative spread `cv`); with probability `pIdle` not at all.
    case counter(mul: Int64, div: Double, incMean: Double, cv: Double, pIdle: Double)
    /// Random walk of at most `stepMax` units a scrape within [lo, hi]; with probability `pHold` unchanged.
    case gauge(mul: Int64, div: Double, lo: Int64, hi: Int64, stepMax: Int64, pHold: Double)
    /// A fresh measured duration in nanoseconds each scrape, printed at full float precision
    /// (`node_scrape_collector_duration_seconds`, `scrape_duration_seconds`); with probability `pHold`
    /// the previous value (a summary quantile between GCs).
    case duration(loNs: Int64, hiNs: Int64, pHold: Double)
    /// The scrape time in seconds with nanoseconds (`node_time_seconds`).
    case clock
}

/// One series of the fleet: its identity, its target (whose scrape times it shares) and its shape.
struct SeriesSpec: Sendable {
    let labels: Labels
    let target: Int32
    let shape: Shape
    /// The unit count at the first scrape (a counter's value after the host's uptime).
    let initial: Int64
    let seed: UInt64
}

/// The evolving value of one series; `next` is called once per scrape, in order.
struct SeriesState {
    var n: Int64
    var last: Double = 0
    var rng: SplitMix64

    init(_ spec: SeriesSpec) {
        n = spec.initial
        rng = SplitMix64(seed: spec.seed)
    }

    mutating func next(_ shape: Shape, t: Int64, first: Bool) -> Double {
        switch shape {
        case .constant(let v):
            return v
        case .counter(let mul, let div, let incMean, let cv, let pIdle):
            if !first && incMean > 0 && !rng.chance(pIdle) {
                n += max(0, Int64((incMean * (1 + cv * rng.normal())).rounded()))
            }
            return Double(n * mul) / div
        case .gauge(let mul, let div, let lo, let hi, let stepMax, let pHold):
            if !first && !rng.chance(pHold) {
                n = min(hi, max(lo, n + rng.int(-stepMax...stepMax)))
            }
            return Double(n * mul) / div
        case .duration(let loNs, let hiNs, let pHold):
            if first || !rng.chance(pHold) {
                last = Double(rng.int(loNs...hiNs)) / 1e9
            }
            return last
        case .clock:
            return Double(t * 1_000_000 + rng.int(0...999_999)) / 1e9
        }
    }
}
