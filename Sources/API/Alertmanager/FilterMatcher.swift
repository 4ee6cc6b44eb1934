import Alerting
import OspreyCore

/// One `filter` value of the API (`alertname="Down"`, `instance=~"web-.*"`), in Alertmanager's matcher syntax.
func parseFilterMatcher(_ text: String) throws -> LabelMatcher {
    try AlertMatchers.parseOne(text)
}
