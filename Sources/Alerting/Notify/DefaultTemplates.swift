/// Osprey's default notification templates, compiled into the binary. They define every name Alertmanager's
/// configuration defaults refer to (`slack.default.title`, `pagerduty.default.description`,
/// `email.default.html`, …) and render the same text Alertmanager's defaults render, so a configuration that
/// relies on the defaults gets the messages its users know. User `templates:` files are parsed after these
/// and may redefine any of them.
enum DefaultTemplates {
    static let fileName = "osprey-default.tmpl"

    static let source = #"""
{{/* Names shared by every integration. */}}
{{ define "__alertmanager" }}Alertmanager{{ end }}
{{ define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ urlquery .Receiver }}{{ end }}

{{/* [FIRING:2] group label values (other common label values) */}}
{{ define "__subject" -}}
[{{ toUpper .Status }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}]
{{- " " }}{{ join " " .GroupLabels.SortedPairs.Values }}{{ " " }}
{{- if gt (len .CommonLabels) (len .GroupLabels) -}}
  ({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ join " " .Values }}{{ end }})
{{- end }}
{{- end }}
{{ define "__description" }}{{ end }}

{{/* A plain list of alerts: `.` is a list of alerts. */}}
{{ define "__text_alert_list" -}}
{{ range . -}}
Labels:
{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end -}}
Annotations:
{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end -}}
Source: {{ .GeneratorURL }}
{{ end -}}
{{ end }}

{{/* The same list in Markdown, for Teams. */}}
{{ define "__text_alert_list_markdown" -}}
{{ range . }}
Labels:
{{ range .Labels.SortedPairs }}  - {{ .Name }} = {{ .Value }}
{{ end }}
Annotations:
{{ range .Annotations.SortedPairs }}  - {{ .Name }} = {{ .Value }}
{{ end }}
Source: {{ .GeneratorURL }}
{{ end }}
{{ end }}

{{/* Slack */}}
{{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "slack.default.fallback" }}{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}{{ end }}
{{ define "slack.default.callbackid" }}{{ end }}
{{ define "slack.default.pretext" }}{{ end }}
{{ define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "slack.default.iconemoji" }}{{ end }}
{{ define "slack.default.iconurl" }}{{ end }}
{{ define "slack.default.text" }}{{ end }}
{{ define "slack.default.footer" }}{{ end }}
{{ define "slack.default.color" }}{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}{{ end }}

{{/* PagerDuty */}}
{{ define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end }}
{{ define "pagerduty.default.client" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "pagerduty.default.clientURL" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "pagerduty.default.instances" }}{{ template "__text_alert_list" . }}{{ end }}

{{/* Microsoft Teams */}}
{{ define "msteams.default.summary" }}{{ template "__subject" . }}{{ end }}
{{ define "msteams.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "msteams.default.text" }}
{{ with .Alerts.Firing }}
# Alerts Firing:
{{ template "__text_alert_list_markdown" . }}
{{ end }}
{{ with .Alerts.Resolved }}
# Alerts Resolved:
{{ template "__text_alert_list_markdown" . }}
{{ end }}
{{ end }}

{{/* SMS (Osprey's own): one short line. */}}
{{ define "sms.default.message" }}{{ template "__subject" . }}{{ end }}

{{/* Email */}}
{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
{{ define "__email_alert_rows" -}}
{{ range . }}
<tr><td style="padding:8px 12px;border-top:1px solid #e9e9e9">
<strong>Labels</strong><br>
{{ range .Labels.SortedPairs }}{{ .Name }} = {{ .Value }}<br>
{{ end }}{{ if .Annotations }}<strong>Annotations</strong><br>
{{ range .Annotations.SortedPairs }}{{ .Name }} = {{ .Value }}<br>
{{ end }}{{ end }}<a href="{{ .GeneratorURL }}">Source</a>
</td></tr>
{{- end }}
{{- end }}
{{ define "email.default.html" -}}
<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{{ template "__subject" . }}</title>
</head>
<body style="margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;font-size:14px;background:#f6f6f6">
<table width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;margin:0 auto;background:#fff;border:1px solid #e9e9e9">
<tr><td style="padding:16px 12px;color:#fff;font-size:16px;background:{{ if eq .Status "firing" }}#e6522c{{ else }}#68b90f{{ end }}">
{{ len .Alerts }} {{ if eq (len .Alerts) 1 }}alert{{ else }}alerts{{ end }} for {{ range .GroupLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}
</td></tr>
<tr><td style="padding:12px"><a href="{{ template "__alertmanagerURL" . }}">View in {{ template "__alertmanager" . }}</a></td></tr>
{{- with .Alerts.Firing }}
<tr><td style="padding:12px"><strong>[{{ len . }}] Firing</strong></td></tr>
{{- template "__email_alert_rows" . }}
{{- end }}
{{- with .Alerts.Resolved }}
<tr><td style="padding:12px"><strong>[{{ len . }}] Resolved</strong></td></tr>
{{- template "__email_alert_rows" . }}
{{- end }}
{{- range $name, $url := .Links }}
<tr><td style="padding:12px"><a href="{{ $url }}">{{ $name }}</a></td></tr>
{{- end }}
</table>
</body>
</html>
{{ end }}
"""#
}
