/// The report's stylesheet, inlined: light, compact, readable at 1280 px and in print.
enum HTMLStyle {
    static let css = """
        :root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--pass:#166534;--pass-bg:#dcfce7;\
        --fail:#991b1b;--fail-bg:#fee2e2;--warn:#9a3412;--warn-bg:#ffedd5;--info:#1e40af;--info-bg:#dbeafe}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",\
        Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;font-variant-numeric:tabular-nums}
        main{max-width:1200px;margin:0 auto;padding:28px 24px 48px}
        code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
        header.top{display:flex;align-items:center;gap:18px;margin-bottom:6px}
        header.top h1{font-size:24px;margin:0;letter-spacing:-.01em}
        .sub{color:var(--muted);margin:2px 0 0}
        .verdict{font-weight:700;font-size:15px;padding:8px 14px;border-radius:8px;letter-spacing:.04em}
        .verdict.pass{background:var(--pass-bg);color:var(--pass)}
        .verdict.fail{background:var(--fail-bg);color:var(--fail)}
        .verdict.none{background:var(--info-bg);color:var(--info)}
        nav{margin:14px 0 22px;display:flex;flex-wrap:wrap;gap:6px}
        nav a{color:var(--info);text-decoration:none;background:#fff;border:1px solid var(--line);border-radius:999px;\
        padding:3px 11px;font-size:13px}
        section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 22px;margin:0 0 20px}
        section>h2{font-size:18px;margin:0 0 4px}
        h3{font-size:15px;margin:22px 0 8px}
        .lead{color:var(--muted);margin:0 0 14px}
        .kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin:14px 0 18px}
        .kpi{border:1px solid var(--line);border-radius:10px;padding:10px 14px;background:#fcfdfe}
        .kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
        .kpi .value{font-size:24px;font-weight:650;letter-spacing:-.01em;white-space:nowrap}
        .kpi .note{font-size:12px;color:var(--muted);min-height:18px}
        .kpi.bad{border-color:#fca5a5;background:#fff7f7}
        .kpi.good{border-color:#86efac;background:#f7fef9}
        .delta.improved{color:var(--pass);font-weight:600}.delta.regressed{color:var(--fail);font-weight:600}
        .grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
        figure{margin:0;min-width:0}
        figcaption{font-weight:600;margin:0 0 2px}
        figcaption span{font-weight:400;color:var(--muted);font-size:12.5px;display:block}
        svg.chart{width:100%;height:auto;display:block;overflow:visible}
        svg.chart text{font-family:inherit;font-size:11px}
        svg.chart text.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
        div.flame{overflow-x:auto}
        svg.flame{width:100%;height:auto;display:block}
        svg.flame text{fill:#222;pointer-events:none}
        svg.flame g:hover rect{stroke:#000;stroke-width:0.8}
        .tick{fill:#475569}.axis-title{fill:var(--muted);font-weight:600}
        .grid{stroke:#e9eef5;stroke-width:1}.axis{stroke:#94a3b8;stroke-width:1}
        .band{fill:#eef2f7}.band-failed{fill:#fde2e2}.band-label{fill:var(--muted);font-size:10.5px!important;font-style:italic}
        .reference{stroke-dasharray:5 4;stroke-width:1.5}.reference-label,.marker-label{font-weight:650}
        .line{stroke-linejoin:round;stroke-linecap:round}
        .hover rect{fill:transparent}.hover rect:hover{fill:rgba(15,23,42,.06)}
        .bar-label{fill:var(--ink);font-size:12px!important}.bar-value{fill:#334155}
        .row-hit{fill:transparent}g:hover>.row-hit{fill:#f1f5f9}
        .legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12.5px;color:#334155;margin:6px 0 0 4px}
        .legend span{display:inline-flex;align-items:center;gap:6px}
        .legend i{display:inline-block;width:16px;height:10px;border-radius:2px}
        .legend .note{color:var(--muted);font-style:italic}
        table{border-collapse:collapse;width:100%;margin:6px 0 4px}
        th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em;\
        border-bottom:2px solid var(--line)}
        td.num,th.num{text-align:right;white-space:nowrap}
        tr.total td{font-weight:650;background:#f8fafc}
        td code{word-break:break-word}
        .pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:650;white-space:nowrap}
        .pill.pass,.pill.improved{background:var(--pass-bg);color:var(--pass)}
        .pill.fail,.pill.regressed,.pill.critical{background:var(--fail-bg);color:var(--fail)}
        .pill.warning{background:var(--warn-bg);color:var(--warn)}
        .pill.info,.pill.noise{background:#f1f5f9;color:#475569}
        .finding{border:1px solid var(--line);border-left:4px solid #94a3b8;border-radius:8px;padding:12px 16px;margin:10px 0}
        .finding.critical{border-left-color:#dc2626}.finding.warning{border-left-color:#ea580c}.finding.info{border-left-color:#2563eb}
        .finding h4{margin:0 0 4px;font-size:14.5px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
        .finding .object{color:var(--muted)}
        .evidence{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
        .evidence span{background:#f1f5f9;border-radius:6px;padding:2px 8px;font-size:12.5px}
        .evidence b{font-weight:600;color:#334155}
        pre{background:#0f172a;color:#e2e8f0;padding:10px 14px;border-radius:8px;overflow-x:auto;white-space:pre-wrap;\
        word-break:break-word;margin:8px 0 2px}
        .empty{color:var(--muted);font-style:italic}
        .id{color:var(--muted);font-size:11.5px;margin-top:2px}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:8px 0}
        .facts dt{color:var(--muted)}.facts dd{margin:0}
        .facts.two{grid-template-columns:max-content 1fr max-content 1fr;column-gap:22px}
        .pair .was{color:var(--muted)}.pair .delta{display:block;font-size:12px}.pair .delta.noise{color:var(--muted)}
        .pair .delta.undecided{color:var(--muted);font-style:italic}
        ul.notes li{margin:3px 0}
        .log-entry{border:1px solid var(--line);border-radius:10px;padding:14px 18px;margin:12px 0}
        .log-entry h3{margin:0 0 8px}
        footer{color:var(--muted);font-size:12px;text-align:center;margin-top:10px}
        @media (max-width:900px){.grid2{grid-template-columns:1fr}.kpis{grid-template-columns:repeat(3,1fr)}}
        @media print{body{background:#fff}section{break-inside:avoid;border-color:#ccc}nav{display:none}}
        """
}
