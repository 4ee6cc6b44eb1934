/// GoTemplate: Go's text/template language, faithfully, for the templates users bring from Prometheus (rule
/// annotations and labels) and Alertmanager (notification templates).
///
/// - `TemplateSet`: parse sources into one namespace of named templates, execute one by name
///   (`TemplateSet.render` for a one-off expansion). `.html` mode escapes printed values for email bodies.
/// - `TemplateValue`: the data templates see; `TemplateObject` lets callers expose fields and methods.
/// - `FunctionSet`: functions by name; `.prometheus`, `.prometheusContext(…)`, `.alertmanager(clock:)`
///   are Prometheus's and Alertmanager's, and callers add their own (`query` in the Rules module).
/// - `TemplateError`: parse and execution errors worded as Go's.
/// - `Limits`: output size, nesting depth and loop bounds for hostile templates.
///
///     var set = TemplateSet(functions: .prometheus)
///     try set.parse("{{ $labels.instance }} is at {{ $value | humanizePercentage }}", name: "summary")
///
/// Everything here is pure: no I/O except reading zone abbreviations from the system's zoneinfo for `tz`.
public enum GoTemplateModule {}
