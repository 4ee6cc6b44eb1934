import Foundation
import MetricStore
import OspreyCore
import PromQL

extension RuleEvaluator {
    /// Prometheus's alerting-rule evaluation: new results become pending alerts, pending alerts fire after
    /// `for:`, alerts that stop being returned resolve (or keep firing for `keep_firing_for:`), resolved
    /// alerts are kept 15 minutes; returns the `ALERTS` and `ALERTS_FOR_STATE` samples.
    func evaluateAlerting(_ rule: RuleRuntime, group: RuleGroupState, at t: Int64, queryTime: Int64) async throws -> [RuleSample] {
        let def = rule.definition
        let vector = try await query(def.expr, at: queryTime)
        let expanded = await expandTemplates(rule, vector: vector, at: t)

        var current: [Labels: ActiveAlert] = [:]
        for (e, (labelPairs, annotations)) in zip(vector, expanded) {
            var labels = e.labels.removing([Labels.metricNameLabel])
            for l in labelPairs { labels = labels.setting(l.name, l.value) }
            labels = Labels(labels.filter { !$0.value.isEmpty }).setting(AlertSeries.alertName, def.name)
            guard current[labels] == nil else {
                throw RuleEvalError("vector contains metrics with the same labelset after applying alert labels")
            }
            current[labels] = ActiveAlert(labels: labels, annotations: annotations, state: .pending, value: e.v, activeAtMs: t)
        }

        return try group.lock.withLock { () throws -> [RuleSample] in
            for (key, a) in current {
                if var existing = rule.active[key], existing.state != .inactive {
                    existing.value = a.value
                    existing.annotations = a.annotations
                    rule.active[key] = existing
                } else {
                    rule.active[key] = a
                }
            }
            var samples: [RuleSample] = []
            var activeCount = 0
            for key in Array(rule.active.keys) {
                guard var a = rule.active[key] else { continue }
                if current[key] == nil {
                    var keepFiring = false
                    if a.state == .firing, def.keepFiringForMs > 0 {
                        if a.keepFiringSinceMs == nil { a.keepFiringSinceMs = t }
                        if t - a.keepFiringSinceMs! < def.keepFiringForMs { keepFiring = true }
                    }
                    if a.state == .pending || (a.resolvedAtMs.map { t - $0 > resolvedRetentionMs } ?? false) {
                        rule.active[key] = nil
                        continue
                    }
                    if a.state != .inactive, !keepFiring {
                        a.state = .inactive
                        a.resolvedAtMs = t
                    }
                    rule.active[key] = a
                    if !keepFiring { continue }
                } else {
                    a.keepFiringSinceMs = nil
                }
                activeCount += 1
                if a.state == .pending, t - a.activeAtMs >= def.forMs {
                    a.state = .firing
                    a.firedAtMs = t
                }
                rule.active[key] = a
                if rule.restored {
                    samples.append(RuleSample(labels: alertsSeriesLabels(a), t: queryTime, v: 1))
                    samples.append(RuleSample(labels: a.labels.setting(Labels.metricNameLabel, AlertSeries.forState),
                                              t: queryTime, v: Double(floorDiv(a.activeAtMs, 1000))))
                }
            }
            if group.group.limit > 0, activeCount > group.group.limit {
                rule.active = [:]
                throw RuleEvalError("exceeded limit of \(group.group.limit) with \(activeCount) alerts")
            }
            return samples
        }
    }

    private func alertsSeriesLabels(_ a: ActiveAlert) -> Labels {
        a.labels.setting(Labels.metricNameLabel, AlertSeries.alerts).setting(AlertSeries.alertState, a.state.rawValue)
    }

    /// Expands the rule's label and annotation templates for each result element. Expansion runs off the
    /// concurrency pool, because the `query` template function waits for a query to finish.
    private func expandTemplates(_ rule: RuleRuntime, vector: [VectorElement], at t: Int64) async -> [([Label], Labels)] {
        let def = rule.definition
        let labels = rule.labels
        if vector.isEmpty { return [] }
        let usesTemplates = (labels + def.annotations).contains { $0.value.contains("{{") }
        let context = TemplateContext(ruleName: def.name, externalLabels: env.externalLabels, externalURL: env.externalURL,
                                      timeMs: t, engine: env.engine)
        let work: @Sendable () -> [([Label], Labels)] = {
            // Each template is parsed once per evaluation and expanded for every alert.
            let labelTemplates = labels.map { $0.value.contains("{{") ? RuleTemplates.Prepared($0.value, context) : nil }
            let annotationTemplates = def.annotations.map { $0.value.contains("{{") ? RuleTemplates.Prepared($0.value, context) : nil }
            return vector.map { e in
                let data = AlertTemplateData(labels: e.labels.removing([Labels.metricNameLabel]), value: e.v)
                let l = zip(labels, labelTemplates).map { Label($0.name, $1?.expand(data, context) ?? $0.value) }
                let a = zip(def.annotations, annotationTemplates).map { Label($0.name, $1?.expand(data, context) ?? $0.value) }
                return (l, Labels(a))
            }
        }
        guard usesTemplates else { return work() }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Hands the alerts that need (re)sending to the sender, as Prometheus's notifier would receive them.
    func sendAlerts(_ rule: RuleRuntime, group: RuleGroupState, at t: Int64) {
        guard let sender = env.sender else { return }
        let delta = max(group.intervalMs, env.resendDelayMs)
        let generatorURL = env.externalURL + "/graph?g0.expr=" + queryEscape(rule.definition.expr) + "&g0.tab=1"
        let out = group.lock.withLock { () -> [OutgoingAlert] in
            var out: [OutgoingAlert] = []
            for key in rule.active.keys.sorted() {
                guard var a = rule.active[key], a.needsSending(at: t, resendDelayMs: env.resendDelayMs) else { continue }
                a.lastSentAtMs = t
                a.validUntilMs = t + 4 * delta
                rule.active[key] = a
                var labels = a.labels
                for l in env.externalLabels where a.labels[l.name] == nil { labels = labels.setting(l.name, l.value) }
                out.append(OutgoingAlert(labels: labels, annotations: a.annotations, startsAtMs: a.firedAtMs ?? a.activeAtMs,
                                         endsAtMs: a.resolvedAtMs ?? a.validUntilMs!, generatorURL: generatorURL))
            }
            return out
        }
        if !out.isEmpty { sender.send(out) }
    }

    /// Prometheus's restore after a restart: an alert still returned by its expression takes its `activeAt`
    /// from the last `ALERTS_FOR_STATE` sample within the outage tolerance, shifted by the downtime, and fires no
    /// sooner than the grace period from now. Returns false when the store could not be read (still opening);
    /// the rules not restored yet are then tried again after the next evaluation.
    @discardableResult
    func restoreForState(_ group: RuleGroupState, at t: Int64) -> Bool {
        let mint = t - env.outageToleranceMs
        var complete = true
        for rule in group.rules where rule.definition.kind == .alerting && !group.lock.withLock({ rule.restored }) {
            let hold = rule.definition.forMs
            if hold < env.forGracePeriodMs {
                group.lock.withLock { rule.restored = true }
                continue
            }
            var matchers = [LabelMatcher.equal(Labels.metricNameLabel, AlertSeries.forState),
                            LabelMatcher.equal(AlertSeries.alertName, rule.definition.name)]
            for l in rule.labels where !l.value.contains("{{") { matchers.append(.equal(l.name, l.value)) }
            let series: [SeriesSamples]
            do { series = try env.engine.querier.select(matchers, mint: mint, maxt: t) } catch {
                env.logger.warning("restoring alert state failed; trying again after the next evaluation",
                                   metadata: ["rule": "\(rule.definition.name)", "error": "\(error)"])
                complete = false
                continue
            }
            var last: [Labels: Sample] = [:]
            for s in series { if let sample = s.samples.last { last[s.labels.removing([Labels.metricNameLabel])] = sample } }
            group.lock.withLock {
                for key in Array(rule.active.keys) {
                    guard var a = rule.active[key], let sample = last[a.labels], !StaleNaN.isStale(sample.v) else { continue }
                    let downAt = floorDiv(sample.t, 1000) * 1000
                    var activeAt = Int64(sample.v) * 1000
                    let remaining = hold - (downAt - activeAt)
                    if remaining <= 0 {
                        // It was firing when Osprey stopped; it fires again at this evaluation if still returned.
                    } else if remaining < env.forGracePeriodMs {
                        activeAt = t + env.forGracePeriodMs - hold
                    } else {
                        activeAt += t - downAt
                    }
                    a.activeAtMs = activeAt
                    rule.active[key] = a
                }
                rule.restored = true
            }
        }
        return complete
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Go's url.QueryEscape: spaces become `+`, everything but unreserved characters is percent-encoded.
func queryEscape(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        case UInt8(ascii: " "): out += "+"
        default: out += String(format: "%%%02X", b)
        }
    }
    return out
}
