/// The query page's style sheet.
enum QueryPageStyle {
    static let text = """
        :root { --fg: #1d2430; --muted: #667085; --line: #d0d5dd; --bg: #fff; --panel: #f6f7f9; --accent: #1f6feb; --err: #b42318; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; gap: 12px; align-items: baseline; padding: 10px 16px; background: #101828; color: #fff; }
        header .brand { font-weight: 700; font-size: 16px; }
        header .sub { color: #98a2b3; }
        main { padding: 16px; max-width: 1400px; margin: 0 auto; }
        .expr-row { display: flex; gap: 8px; }
        #expr { flex: 1; font: 14px/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; padding: 8px; border: 1px solid var(--line); border-radius: 4px; resize: vertical; min-height: 38px; }
        #expr:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
        button { font: inherit; padding: 6px 12px; border: 1px solid var(--line); border-radius: 4px; background: var(--panel); cursor: pointer; }
        button#run { background: var(--accent); color: #fff; border-color: var(--accent); }
        .controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 10px 0; }
        .controls label { display: flex; gap: 6px; align-items: center; color: var(--muted); }
        .controls input, .controls select { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; }
        .tabs button[aria-selected="true"] { background: var(--fg); color: #fff; border-color: var(--fg); }
        .error { color: var(--err); background: #fef3f2; border: 1px solid #fecdca; border-radius: 4px; padding: 8px; white-space: pre-wrap; font: 13px/1.4 ui-monospace, Menlo, monospace; margin: 8px 0; }
        .warning { color: #93370d; background: #fffaeb; border: 1px solid #fedf89; border-radius: 4px; padding: 6px 8px; margin: 8px 0; }
        .info { color: #026aa2; background: #f0f9ff; border: 1px solid #b9e6fe; border-radius: 4px; padding: 6px 8px; margin: 8px 0; }
        .stats { color: var(--muted); font-size: 12px; min-height: 16px; }
        .chart { position: relative; width: 100%; height: 420px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
        .chart svg { display: block; width: 100%; height: 100%; }
        .chart .axis text { fill: var(--muted); font-size: 11px; }
        .chart .grid { stroke: #eaecf0; }
        .chart .hover-line { stroke: #98a2b3; stroke-dasharray: 3 3; }
        .tooltip { position: fixed; pointer-events: none; background: rgba(16,24,40,.92); color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; max-width: 480px; z-index: 10; }
        .tooltip .swatch, .legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: middle; }
        .legend { list-style: none; padding: 0; margin: 8px 0; font: 12px/1.6 ui-monospace, Menlo, monospace; }
        .legend li { cursor: pointer; word-break: break-all; }
        .legend li.off { opacity: .35; }
        table { border-collapse: collapse; width: 100%; font: 13px/1.4 ui-monospace, Menlo, monospace; }
        th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; word-break: break-all; }
        th { background: var(--panel); font-family: system-ui, sans-serif; }
        td.value { white-space: nowrap; text-align: right; width: 1%; }
        .empty { color: var(--muted); padding: 24px; text-align: center; }

        """
}
