import Testing
@testable import PromQL

/// `description` is Prometheus's canonical text, `prettified()` its `Pretty(0)`; both re-parse to the same text.
@Suite struct ParserPrinterTests {
    static let printed: [(query: String, text: String)] = [
        (#"sum by() (task:errors:rate10s{job="s"})"#, #"sum(task:errors:rate10s{job="s"})"#),
        (#"sum by(code) (task:errors:rate10s{job="s"})"#, #"sum by (code) (task:errors:rate10s{job="s"})"#),
        (#"sum without() (task:errors:rate10s{job="s"})"#, #"sum without () (task:errors:rate10s{job="s"})"#),
        (#"sum without(instance) (task:errors:rate10s{job="s"})"#, #"sum without (instance) (task:errors:rate10s{job="s"})"#),
        (#"sum by("foo.bar") (task:errors:rate10s{job="s"})"#, #"sum by ("foo.bar") (task:errors:rate10s{job="s"})"#),
        (#"sum without("foo.bar") (task:errors:rate10s{job="s"})"#, #"sum without ("foo.bar") (task:errors:rate10s{job="s"})"#),
        (#"topk(5, task:errors:rate10s{job="s"})"#, #"topk(5, task:errors:rate10s{job="s"})"#),
        (#"count_values("value", task:errors:rate10s{job="s"})"#, #"count_values("value", task:errors:rate10s{job="s"})"#),
        (#"a - on() c"#, #"a - on () c"#),
        (#"a - on(b) c"#, #"a - on (b) c"#),
        (#"a - on(b) group_left(x) c"#, #"a - on (b) group_left (x) c"#),
        (#"a - on(b) group_left(x, y) c"#, #"a - on (b) group_left (x, y) c"#),
        (#"a - on(b) group_left c"#, #"a - on (b) group_left () c"#),
        (#"a - on(b) group_left() (c)"#, #"a - on (b) group_left () (c)"#),
        (#"a - ignoring(b) c"#, #"a - ignoring (b) c"#),
        (#"a - ignoring() c"#, #"a - c"#),
        (#"a - ignoring() group_left c"#, #"a - ignoring () group_left () c"#),
        (#"a + fill(-23) b"#, #"a + fill (-23) b"#),
        (#"a + fill_left(-23) b"#, #"a + fill_left (-23) b"#),
        (#"a + fill_right(42) b"#, #"a + fill_right (42) b"#),
        (#"a + fill_left(-23) fill_right(42) b"#, #"a + fill_left (-23) fill_right (42) b"#),
        (#"a + fill_left(5) fill_right(5) b"#, #"a + fill (5) b"#),
        (#"a + on(b) group_left fill(-23) c"#, #"a + on (b) group_left () fill (-23) c"#),
        (#"up > bool 0"#, #"up > bool 0"#),
        (#"a offset 1m"#, #"a offset 1m"#),
        (#"a offset -7m"#, #"a offset -7m"#),
        (#"a{c="d"}[5m] offset 1m"#, #"a{c="d"}[5m] offset 1m"#),
        (#"a[5m] offset 1m"#, #"a[5m] offset 1m"#),
        (#"a[12m] offset -3m"#, #"a[12m] offset -3m"#),
        (#"a[1h:5m] offset 1m"#, #"a[1h:5m] offset 1m"#),
        (#"a anchored"#, #"a anchored"#),
        (#"a[5m] anchored"#, #"a[5m] anchored"#),
        (#"a{b="c"}[5m] anchored"#, #"a{b="c"}[5m] anchored"#),
        (#"a{b="c"}[5m] anchored offset 1m"#, #"a{b="c"}[5m] anchored offset 1m"#),
        (#"a{b="c"}[5m] anchored @ start() offset 1m"#, #"a{b="c"}[5m] anchored @ start() offset 1m"#),
        (#"a smoothed"#, #"a smoothed"#),
        (#"a[5m] smoothed"#, #"a[5m] smoothed"#),
        (#"a{b="c"}[5m] smoothed"#, #"a{b="c"}[5m] smoothed"#),
        (#"a{b="c"}[5m] smoothed offset 1m"#, #"a{b="c"}[5m] smoothed offset 1m"#),
        (#"a{b="c"}[5m] smoothed @ start() offset 1m"#, #"a{b="c"}[5m] smoothed @ start() offset 1m"#),
        (#"{__name__="a"}"#, #"{__name__="a"}"#),
        (#"a{b!="c"}[1m]"#, #"a{b!="c"}[1m]"#),
        (#"a{b=~"c"}[1m]"#, #"a{b=~"c"}[1m]"#),
        (#"a{b!~"c"}[1m]"#, #"a{b!~"c"}[1m]"#),
        (#"a @ 10"#, #"a @ 10.000"#),
        (#"a[1m] @ 10"#, #"a[1m] @ 10.000"#),
        (#"a @ start()"#, #"a @ start()"#),
        (#"a @ end()"#, #"a @ end()"#),
        (#"a[1m] @ start()"#, #"a[1m] @ start()"#),
        (#"a[1m] @ end()"#, #"a[1m] @ end()"#),
        (#"{__name__="",a="x"}"#, #"{__name__="",a="x"}"#),
        (#"{"a.b"="c"}"#, #"{"a.b"="c"}"#),
        (#"{"0"="1"}"#, #"{"0"="1"}"#),
        (#"{"_0"="1"}"#, #"{_0="1"}"#),
        (#"{""="0"}"#, #"{""="0"}"#),
        (#"{``="0"}"#, #"{""="0"}"#),
        (#"1048576"#, #"1048576"#),
        (#"foo[step()]"#, #"foo[step()]"#),
        (#"foo[-step()]"#, #"foo[-step()]"#),
        (#"foo[(step())]"#, #"foo[(step())]"#),
        (#"foo[-(step())]"#, #"foo[-(step())]"#),
        (#"foo offset step()"#, #"foo offset step()"#),
        (#"foo offset -step()"#, #"foo offset -step()"#),
        (#"foo offset (step())"#, #"foo offset (step())"#),
        (#"foo offset -(step())"#, #"foo offset -(step())"#),
        (#"foo offset +(5)"#, #"foo offset (5)"#),
        (#"foo offset -(5)"#, #"foo offset -(5)"#),
        (#"foo offset (5)"#, #"foo offset (5)"#),
        (#"foo offset (5m)"#, #"foo offset (5m)"#),
        (#"foo[(5s)]"#, #"foo[(5s)]"#),
        (#"foo[(5m):(1m)]"#, #"foo[(5m):(1m)]"#),
        (#"foo offset +min_of(10s, 20s)"#, #"foo offset min_of(10s, 20s)"#),
        (#"foo offset -min_of(10s, 20s)"#, #"foo offset -min_of(10s, 20s)"#),
        (#"foo offset -min_of(10s, +max_of(step() ^ 2, 2))"#, #"foo offset -min_of(10s, max_of(step() ^ 2, 2))"#),
        (#"foo[200-min_of(-step()^+step(),1)]"#, #"foo[200 - min_of(-step() ^ step(), 1)]"#),
        (#"foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]"#, #"foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]"#),
        (#"foo[range()]"#, #"foo[range()]"#),
        (#"foo[-range()]"#, #"foo[-range()]"#),
        (#"foo offset range()"#, #"foo offset range()"#),
        (#"foo offset -range()"#, #"foo offset -range()"#),
        (#"foo[max_of(range(), 5s)]"#, #"foo[max_of(range(), 5s)]"#),
        (#"predict_linear(foo[1h], 3000)"#, #"predict_linear(foo[1h], 3000)"#),
        (#"sum by("üüü") (foo)"#, #"sum by ("üüü") (foo)"#),
        (#"sum without("äää") (foo)"#, #"sum without ("äää") (foo)"#),
        (#"count by("ööö", job) (foo)"#, #"count by ("ööö", job) (foo)"#),
    ]

    @Test(arguments: printed)
    func printsCanonicalText(_ c: (query: String, text: String)) throws {
        let e = try PromQLParser.parse(c.query)
        #expect(e.description == c.text)
        #expect(try PromQLParser.parse(e.description).description == c.text)
    }

    /// Split at 10 characters so that short queries exercise every layout rule.
    static let pretty: [(query: String, text: String)] = [
        (#"sum(foo)"#,
         #"sum(foo)"#),
        (#"sum by() (task:errors:rate10s{job="s"})"#,
         #"""
sum(
  task:errors:rate10s{job="s"}
)
"""#),
        (#"sum without(job,foo) (task:errors:rate10s{job="s"})"#,
         #"""
sum without (job, foo) (
  task:errors:rate10s{job="s"}
)
"""#),
        (#"sum(task:errors:rate10s{job="s"}) without(job,foo)"#,
         #"""
sum without (job, foo) (
  task:errors:rate10s{job="s"}
)
"""#),
        (#"sum by(job,foo) (task:errors:rate10s{job="s"})"#,
         #"""
sum by (job, foo) (
  task:errors:rate10s{job="s"}
)
"""#),
        (#"sum (task:errors:rate10s{job="s"}) by(job,foo)"#,
         #"""
sum by (job, foo) (
  task:errors:rate10s{job="s"}
)
"""#),
        (#"topk(10, ask:errors:rate10s{job="s"})"#,
         #"""
topk(
  10,
  ask:errors:rate10s{job="s"}
)
"""#),
        (#"sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"}))"#,
         #"""
sum by (job, foo) (
  sum by (job, foo) (
    task:errors:rate10s{job="s"}
  )
)
"""#),
        (#"sum by(job,foo) (sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"})))"#,
         #"""
sum by (job, foo) (
  sum by (job, foo) (
    sum by (job, foo) (
      task:errors:rate10s{job="s"}
    )
  )
)
"""#),
        (#"""
sum by(job,foo)
(sum by(job,foo) (task:errors:rate10s{job="s"}))
"""#,
         #"""
sum by (job, foo) (
  sum by (job, foo) (
    task:errors:rate10s{job="s"}
  )
)
"""#),
        (#"""
sum by(job,foo)
(sum(task:errors:rate10s{job="s"}) without(job,foo))
"""#,
         #"""
sum by (job, foo) (
  sum without (job, foo) (
    task:errors:rate10s{job="s"}
  )
)
"""#),
        (#"""
sum by(job,foo) # Comment 1.
(sum by(job,foo) ( # Comment 2.
task:errors:rate10s{job="s"}))
"""#,
         #"""
sum by (job, foo) (
  sum by (job, foo) (
    task:errors:rate10s{job="s"}
  )
)
"""#),
        (#"a+b"#,
         #"a + b"#),
        (#"a == bool 1"#,
         #"""
  a
== bool
  1
"""#),
        (#"a + ignoring(job) b"#,
         #"""
  a
+ ignoring (job)
  b
"""#),
        (#"foo_1 + foo_2"#,
         #"""
  foo_1
+
  foo_2
"""#),
        (#"foo_1 + foo_2 + foo_3"#,
         #"""
    foo_1
  +
    foo_2
+
  foo_3
"""#),
        (#"foo + baar + foo_3"#,
         #"""
  foo + baar
+
  foo_3
"""#),
        (#"foo_1 + foo_2 + foo_3 + foo_4"#,
         #"""
      foo_1
    +
      foo_2
  +
    foo_3
+
  foo_4
"""#),
        (#"foo_1 + ignoring(foo) foo_2 + ignoring(job) group_left foo_3 + on(instance) group_right foo_4"#,
         #"""
      foo_1
    + ignoring (foo)
      foo_2
  + ignoring (job) group_left ()
    foo_3
+ on (instance) group_right ()
  foo_4
"""#),
        (#"rate(foo[1m])"#,
         #"""
rate(
  foo[1m]
)
"""#),
        (#"sum_over_time(foo[1m])"#,
         #"""
sum_over_time(
  foo[1m]
)
"""#),
        (#"rate(long_vector_selector[10m:1m] @ start() offset 1m)"#,
         #"""
rate(
  long_vector_selector[10m:1m] @ start() offset 1m
)
"""#),
        (#"histogram_quantile(0.9, rate(foo[1m]))"#,
         #"""
histogram_quantile(
  0.9,
  rate(
    foo[1m]
  )
)
"""#),
        (#"max_over_time(rate(demo_api_request_duration_seconds_count[1m])[1m:] @ start() offset 1m)"#,
         #"""
max_over_time(
  rate(
    demo_api_request_duration_seconds_count[1m]
  )[1m:] @ start() offset 1m
)
"""#),
        (#"label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*")"#,
         #"""
label_replace(
  up{job="api-server",service="a:c"},
  "foo",
  "$1",
  "service",
  "(.*):.*"
)
"""#),
        (#"label_replace(label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*"), "foo", "$1", "service", "(.*):.*")"#,
         #"""
label_replace(
  label_replace(
    up{job="api-server",service="a:c"},
    "foo",
    "$1",
    "service",
    "(.*):.*"
  ),
  "foo",
  "$1",
  "service",
  "(.*):.*"
)
"""#),
        (#"(foo)"#,
         #"(foo)"#),
        (#"(_foo_long_)"#,
         #"""
(
  _foo_long_
)
"""#),
        (#"((foo_long))"#,
         #"""
(
  (foo_long)
)
"""#),
        (#"((_foo_long_))"#,
         #"""
(
  (
    _foo_long_
  )
)
"""#),
        (#"(((foo_long)))"#,
         #"""
(
  (
    (foo_long)
  )
)
"""#),
        (#"a @ 1"#,
         #"a @ 1.000"#),
        (#"a @ start()"#,
         #"a @ start()"#),
        (#"vector_selector @ start()"#,
         #"vector_selector @ start()"#),
        (#"(1 + 2)"#,
         #"(1 + 2)"#),
        (#"(foo + bar)"#,
         #"""
(
  foo + bar
)
"""#),
        (#"(foo_long + bar_long)"#,
         #"""
(
    foo_long
  +
    bar_long
)
"""#),
        (#"(foo_long + bar_long + bar_2_long)"#,
         #"""
(
      foo_long
    +
      bar_long
  +
    bar_2_long
)
"""#),
        (#"((foo_long + bar_long) + bar_2_long)"#,
         #"""
(
    (
        foo_long
      +
        bar_long
    )
  +
    bar_2_long
)
"""#),
        (#"(1111 + 2222)"#,
         #"""
(
    1111
  +
    2222
)
"""#),
        (#"(sum_over_time(foo[1m]))"#,
         #"""
(
  sum_over_time(
    foo[1m]
  )
)
"""#),
        (#"histogram_quantile(0.9, rate(foo[1m] @ start()))"#,
         #"""
histogram_quantile(
  0.9,
  rate(
    foo[1m] @ start()
  )
)
"""#),
        (#"(label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*"))"#,
         #"""
(
  label_replace(
    up{job="api-server",service="a:c"},
    "foo",
    "$1",
    "service",
    "(.*):.*"
  )
)
"""#),
        (#"(label_replace(label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*"), "foo", "$1", "service", "(.*):.*"))"#,
         #"""
(
  label_replace(
    label_replace(
      up{job="api-server",service="a:c"},
      "foo",
      "$1",
      "service",
      "(.*):.*"
    ),
    "foo",
    "$1",
    "service",
    "(.*):.*"
  )
)
"""#),
        (#"(label_replace(label_replace((up{job="api-server",service="a:c"}), "foo", "$1", "service", "(.*):.*"), "foo", "$1", "service", "(.*):.*"))"#,
         #"""
(
  label_replace(
    label_replace(
      (
        up{job="api-server",service="a:c"}
      ),
      "foo",
      "$1",
      "service",
      "(.*):.*"
    ),
    "foo",
    "$1",
    "service",
    "(.*):.*"
  )
)
"""#),
        (#"(node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 40 and predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 24*60*60) < 0 and node_filesystem_readonly{job="node",fstype!=""} == 0)"#,
         #"""
(
            node_filesystem_avail_bytes{fstype!="",job="node"}
          /
            node_filesystem_size_bytes{fstype!="",job="node"}
        *
          100
      <
        40
    and
        predict_linear(
          node_filesystem_avail_bytes{fstype!="",job="node"}[6h],
            24 * 60
          *
            60
        )
      <
        0
  and
      node_filesystem_readonly{fstype!="",job="node"}
    ==
      0
)
"""#),
        (#"(node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 20 and predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 4*60*60) < 0 and node_filesystem_readonly{job="node",fstype!=""} == 0)"#,
         #"""
(
            node_filesystem_avail_bytes{fstype!="",job="node"}
          /
            node_filesystem_size_bytes{fstype!="",job="node"}
        *
          100
      <
        20
    and
        predict_linear(
          node_filesystem_avail_bytes{fstype!="",job="node"}[6h],
            4 * 60
          *
            60
        )
      <
        0
  and
      node_filesystem_readonly{fstype!="",job="node"}
    ==
      0
)
"""#),
        (#"(node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0)"#,
         #"""
  (
        node_timex_offset_seconds
      >
        0.05
    and
        deriv(
          node_timex_offset_seconds[5m]
        )
      >=
        0
  )
or
  (
        node_timex_offset_seconds
      <
        -0.05
    and
        deriv(
          node_timex_offset_seconds[5m]
        )
      <=
        0
  )
"""#),
        (#"1 - ((node_memory_MemAvailable_bytes{job="node"} or (node_memory_Buffers_bytes{job="node"} + node_memory_Cached_bytes{job="node"} + node_memory_MemFree_bytes{job="node"} + node_memory_Slab_bytes{job="node"}) ) / node_memory_MemTotal_bytes{job="node"})"#,
         #"""
  1
-
  (
      (
          node_memory_MemAvailable_bytes{job="node"}
        or
          (
                  node_memory_Buffers_bytes{job="node"}
                +
                  node_memory_Cached_bytes{job="node"}
              +
                node_memory_MemFree_bytes{job="node"}
            +
              node_memory_Slab_bytes{job="node"}
          )
      )
    /
      node_memory_MemTotal_bytes{job="node"}
  )
"""#),
        (#"min by (job, integration) (rate(alertmanager_notifications_failed_total{job="alertmanager", integration=~".*"}[5m]) / rate(alertmanager_notifications_total{job="alertmanager", integration="~.*"}[5m])) > 0.01"#,
         #"""
  min by (job, integration) (
      rate(
        alertmanager_notifications_failed_total{integration=~".*",job="alertmanager"}[5m]
      )
    /
      rate(
        alertmanager_notifications_total{integration="~.*",job="alertmanager"}[5m]
      )
  )
>
  0.01
"""#),
        (#"(count by (job) (changes(process_start_time_seconds{job="alertmanager"}[10m]) > 4) / count by (job) (up{job="alertmanager"})) >= 0.5"#,
         #"""
  (
      count by (job) (
          changes(
            process_start_time_seconds{job="alertmanager"}[10m]
          )
        >
          4
      )
    /
      count by (job) (
        up{job="alertmanager"}
      )
  )
>=
  0.5
"""#),
        (#"-1"#,
         #"-1"#),
        (#"-vector_selector"#,
         #"-vector_selector"#),
        (#"(-vector_selector)"#,
         #"""
(
  -vector_selector
)
"""#),
        (#"-histogram_quantile(0.9,rate(foo[1m]))"#,
         #"""
-histogram_quantile(
  0.9,
  rate(
    foo[1m]
  )
)
"""#),
        (#"-histogram_quantile(0.99, sum by (le) (rate(foo[1m])))"#,
         #"""
-histogram_quantile(
  0.99,
  sum by (le) (
    rate(
      foo[1m]
    )
  )
)
"""#),
        (#"-histogram_quantile(0.9, -rate(foo[1m] @ start()))"#,
         #"""
-histogram_quantile(
  0.9,
  -rate(
    foo[1m] @ start()
  )
)
"""#),
        (#"(-histogram_quantile(0.9, -rate(foo[1m] @ start())))"#,
         #"""
(
  -histogram_quantile(
    0.9,
    -rate(
      foo[1m] @ start()
    )
  )
)
"""#),
        (#"rate(foo[2*1h])"#,
         #"""
rate(
  foo[2 * 1h]
)
"""#),
        (#"rate(foo[2*1h])"#,
         #"""
rate(
  foo[2 * 1h]
)
"""#),
        (#"rate(foo[-5m+35m])"#,
         #"""
rate(
  foo[-5m + 35m]
)
"""#),
    ]

    @Test(arguments: pretty)
    func prettyPrintsLikePrometheus(_ c: (query: String, text: String)) throws {
        let e = try PromQLParser.parse(c.query)
        #expect(e.prettified(lineCharactersMax: 10) == c.text)
        #expect(try PromQLParser.parse(e.prettified(lineCharactersMax: 10)).description == e.description)
    }

    @Test func shortQueryStaysOnOneLine() throws {
        let e = try PromQLParser.parse("sum by (job) (rate(http_requests_total[5m]))")
        #expect(e.prettified() == "sum by (job) (rate(http_requests_total[5m]))")
        let long = try PromQLParser.parse(
            "sum by (job) (rate(http_requests_total{handler=\"/api/v1/query\",code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m]))")
        #expect(long.prettified() ==
            "  sum by (job) (rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query\"}[5m]))\n/\n"
            + "  sum by (job) (rate(http_requests_total[5m]))")
    }
}

/// Found by the parser fuzz target: an empty selector, which `info()` accepts as its label filter, printed as
/// nothing, so the printed query no longer parsed.
@Suite struct EmptySelectorPrintingTests {
    @Test(arguments: ["info(up, {})", "co * info(up, {})"])
    func emptySelectorKeepsItsBraces(_ query: String) throws {
        let printed = try PromQLParser.parse(query).description
        #expect(printed == query)
        #expect(try PromQLParser.parse(printed).description == printed)
    }
}
