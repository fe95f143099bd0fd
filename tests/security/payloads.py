"""Hostile text typed into every free-text field (XSS, template injection, RTL tricks, formulas)."""

XSS = [
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<a href=javascript:alert(1)>click</a>",
    "javascript:alert(1)",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "<style>@import 'javascript:alert(1)';</style>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>",
    "<!--<img src=--><img src=x onerror=alert(1)//>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{7*7}}",
    "{% print(7*7) %}",
    "${7*7}",
    "#{7*7}",
    "\u202eevil\u202c",  # right-to-left override
    "\u2067<b>isolate</b>\u2069",
    "href=javascript:alert(1)",  # pyvis switches to innerHTML popups on 'href' in a title
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=//evil.example>",
    "`-alert(1)-`",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
]

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", " =1",
            "=1\n=2"]

assert len(XSS) >= 30
