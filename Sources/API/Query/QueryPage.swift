import Hummingbird

/// The query page at `/`: a PromQL input, a graph of a range query and a table of an instant query.
/// Plain HTML, CSS and JavaScript compiled into the binary; it loads nothing from anywhere else.
enum QueryPage {
    static let scriptPath = "/assets/query.js"
    static let stylePath = "/assets/query.css"

    static func register(_ router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in page() }
        router.get("/graph") { _, _ in page() }
        router.get("/query") { _, _ in page() }
        router.get(RouterPath(scriptPath)) { _, _ in asset(QueryPageScript.text, "text/javascript; charset=utf-8") }
        router.get(RouterPath(stylePath)) { _, _ in asset(QueryPageStyle.text, "text/css; charset=utf-8") }
    }

    private static func page() -> Response { asset(html, "text/html; charset=utf-8") }

    private static func asset(_ body: String, _ contentType: String) -> Response {
        var response = text(body, contentType: contentType)
        // The assets change only with the binary; a short cache keeps reloads cheap without going stale for long.
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Osprey · Query</title>
        <link rel="stylesheet" href="\(stylePath)">
        </head>
        <body>
        <header><span class="brand">Osprey</span><span class="sub">PromQL query</span></header>
        <main>
          <form id="query-form" autocomplete="off">
            <div class="expr-row">
              <textarea id="expr" rows="1" spellcheck="false" placeholder="Expression (press Enter to run, Shift+Enter for a new line)"></textarea>
              <button type="submit" id="run">Execute</button>
            </div>
            <pre id="parse-error" class="error" hidden></pre>
            <div class="controls">
              <div class="tabs" role="tablist">
                <button type="button" role="tab" data-tab="table" id="tab-table">Table</button>
                <button type="button" role="tab" data-tab="graph" id="tab-graph">Graph</button>
              </div>
              <label>Range
                <select id="range">
                  <option>5m</option><option>15m</option><option>30m</option><option selected>1h</option>
                  <option>3h</option><option>6h</option><option>12h</option><option>1d</option>
                  <option>2d</option><option>1w</option><option>2w</option><option>4w</option>
                </select>
              </label>
              <label>End <input type="datetime-local" id="end" step="1"></label>
              <button type="button" id="now">Now</button>
              <label>Step <input type="text" id="step" size="6" placeholder="auto"></label>
            </div>
          </form>
          <div id="messages"></div>
          <div id="stats" class="stats"></div>
          <section id="graph-view">
            <div id="chart" class="chart"></div>
            <div id="tooltip" class="tooltip" hidden></div>
            <ul id="legend" class="legend"></ul>
          </section>
          <section id="table-view" hidden>
            <table id="table"><thead><tr><th>Series</th><th>Value</th></tr></thead><tbody></tbody></table>
          </section>
        </main>
        <script src="\(scriptPath)"></script>
        </body>
        </html>

        """
}
