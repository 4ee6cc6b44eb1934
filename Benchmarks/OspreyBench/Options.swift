import Foundation

/// The benchmarks `--only` can pick.
enum Benchmark: String, CaseIterable {
    case remoteWrite = "remote-write"
    case parse
    case scrape
    case alerting
}

/// Command-line flags. Defaults are the full benchmark; the flags shrink it for quick iteration.
struct Options {
    var wideSeries = 50_000
    var wideHours = 2.0
    var longSeries = 5_000
    var longHours = 24.0
    var skipWide = false
    var skipLong = false
    var connections = 4
    var batchSeriesMax = 2_000
    var seed: UInt64 = 1
    var settleSeconds = 10.0
    /// Block set unchanged this long counts as compacted: longer than Prometheus's 1-minute compaction tick.
    var stableSeconds = 70.0
    var compactionTimeoutSeconds = 900.0
    var ospreyBinary = ".build/release/osprey"
    var prometheusBinary = "/usr/bin/prometheus"
    var workDir: String?
    var keep = false
    var perf = false
    var servers = ServerKind.allCases
    var benchmarks = Benchmark.allCases
    // Parse benchmark.
    var parseSeries = 10_000
    var parseRounds = 200
    /// The Prometheus reference for the parse figures: one target serving the same payload this often.
    var parseReferenceIntervalS = 1
    var parseReferenceIntervals = 20
    // Scrape benchmark.
    var scrapeTargets = 1_000
    var scrapeSeries = 1_000
    var scrapeIntervalS = 15
    var scrapeWarmupIntervals = 3
    var scrapeIntervals = 4
    var idleSeconds = 10.0
    // Alerting benchmark.
    var alertCount = 10_000
    var alertGroups = 1_000
    var alertSilences = 5_000
    var alertRounds = 5
    /// Alerts per POST: Prometheus's notifier sends at most 64 alerts a request.
    var alertBatch = 64
    var alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

    static let usage = """
        usage: osprey-bench [flags]
        Runs Osprey and Prometheus on identical remote write requests (one after the other), exposition parsing,
        and both scraping the same targets at the same time; Osprey's alerting next to Alertmanager; prints ratios.

          --series N              wide set: active series (default 50000)
          --hours H               wide set: hours of 15 s scrapes (default 2)
          --long-series N         long set: series (default 5000)
          --long-hours H          long set: hours (default 24)
          --skip-wide, --skip-long
          --connections N         concurrent connections (default 4)
          --batch N               series per request, at most (default 2000)
          --seed N                data seed (default 1)
          --settle S              seconds to wait after ingest before reading RSS (default 10)
          --stable S              block set unchanged this long = compaction done (default 70)
          --compaction-timeout S  give up waiting for compaction after S seconds (default 900)
          --osprey PATH           (default .build/release/osprey)
          --prometheus PATH       (default /usr/bin/prometheus)
          --work-dir DIR          data dirs and logs (default a new directory under /tmp, deleted unless --keep)
          --keep                  keep data directories and logs
          --perf                  record `perf record -g` of Osprey during each ingest / scrape window (kept in the work dir)
          --only osprey|prometheus  run one server (no ratios)
          --only remote-write|parse|scrape|alerting  run one benchmark (default all; may be given with a server;
                                  for alerting, --only prometheus means Alertmanager alone)

        Parse benchmark (exposition parsing in process, and one target of the same payload scraped by both):
          --parse-series N        series in the payload (default 10000)
          --parse-rounds N        warm rounds (cold rounds: a quarter of it) (default 200)
          --parse-ref-interval S  scrape interval of the one-target reference run (default 1)
          --parse-ref-intervals N measured intervals of it (default 20)
        Scrape benchmark (both servers scraping the same targets at the same time):
          --scrape-targets N      targets (default 1000)
          --scrape-series N       series per target (default 1000)
          --scrape-interval S     scrape interval, seconds (default 15)
          --scrape-warmup N       intervals before measuring (default 3)
          --scrape-intervals N    intervals measured (default 4)
          --idle S                seconds both servers run with no targets first (idle CPU) (default 10)
        Alerting benchmark (Osprey and Alertmanager, same routing config, silences and alerts, taking turns):
          --alerts N              active alerts (default 10000)
          --alert-groups N        groups they fall into, a multiple of 10 dividing --alerts (default 1000)
          --silences N            silences created first (default 5000)
          --alert-rounds N        evaluation rounds (re-sending every alert) (default 5)
          --alert-batch N         alerts per POST (default 64, as Prometheus)
          --alertmanager PATH     (default /usr/bin/prometheus-alertmanager)
        """

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw HTTPError(description: "\(args[i - 1]) needs a value\n\(usage)") }
            return args[i]
        }
        func number<T: LosslessStringConvertible>(_: T.Type) throws -> T {
            let flag = args[i]
            let s = try value()
            guard let n = T(s) else { throw HTTPError(description: "\(flag): not a number: \(s)") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--series": o.wideSeries = try number(Int.self)
            case "--hours": o.wideHours = try number(Double.self)
            case "--long-series": o.longSeries = try number(Int.self)
            case "--long-hours": o.longHours = try number(Double.self)
            case "--skip-wide": o.skipWide = true
            case "--skip-long": o.skipLong = true
            case "--connections": o.connections = max(1, try number(Int.self))
            case "--batch": o.batchSeriesMax = max(1, try number(Int.self))
            case "--seed": o.seed = try number(UInt64.self)
            case "--settle": o.settleSeconds = try number(Double.self)
            case "--stable": o.stableSeconds = try number(Double.self)
            case "--compaction-timeout": o.compactionTimeoutSeconds = try number(Double.self)
            case "--osprey": o.ospreyBinary = try value()
            case "--prometheus": o.prometheusBinary = try value()
            case "--work-dir": o.workDir = try value()
            case "--keep": o.keep = true
            case "--perf": o.perf = true
            case "--only":
                let s = try value()
                if let b = Benchmark(rawValue: s.lowercased()) {
                    o.benchmarks = [b]
                } else if let k = ServerKind.allCases.first(where: { $0.rawValue.lowercased() == s.lowercased() }) {
                    o.servers = [k]
                } else {
                    throw HTTPError(description: "--only: osprey, prometheus, remote-write, parse, scrape or alerting, not \(s)")
                }
            case "--parse-series": o.parseSeries = max(1, try number(Int.self))
            case "--parse-rounds": o.parseRounds = max(4, try number(Int.self))
            case "--parse-ref-interval": o.parseReferenceIntervalS = max(1, try number(Int.self))
            case "--parse-ref-intervals": o.parseReferenceIntervals = max(1, try number(Int.self))
            case "--scrape-targets": o.scrapeTargets = max(1, try number(Int.self))
            case "--scrape-series": o.scrapeSeries = max(1, try number(Int.self))
            case "--scrape-interval": o.scrapeIntervalS = max(1, try number(Int.self))
            case "--scrape-warmup": o.scrapeWarmupIntervals = max(1, try number(Int.self))
            case "--scrape-intervals": o.scrapeIntervals = max(1, try number(Int.self))
            case "--idle": o.idleSeconds = max(1, try number(Double.self))
            case "--alerts": o.alertCount = max(1, try number(Int.self))
            case "--alert-groups": o.alertGroups = max(1, try number(Int.self))
            case "--silences": o.alertSilences = max(0, try number(Int.self))
            case "--alert-rounds": o.alertRounds = max(1, try number(Int.self))
            case "--alert-batch": o.alertBatch = max(1, try number(Int.self))
            case "--alertmanager": o.alertmanagerBinary = try value()
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                throw HTTPError(description: "unknown flag \(args[i])\n\(usage)")
            }
            i += 1
        }
        return o
    }
}
