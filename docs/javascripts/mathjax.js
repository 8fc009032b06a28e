// MathJax 3 configuration for pymdownx.arithmatex (generic mode): only the spans and
// blocks arithmatex wrapped in class "arithmatex" are typeset.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
};
