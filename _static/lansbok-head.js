// First in <head> (_templates/layout.html): what the theme did in inline scripts and styles,
// which the Content-Security-Policy forbids (lansbok/csp.py).
(function () {
  // The colour mode the reader chose (pydata-sphinx-theme's inline script); the default is on
  // <html data-theme>.
  var root = document.documentElement;
  var fallback = root.dataset.theme || "";
  root.dataset.mode = localStorage.getItem("mode") || fallback;
  root.dataset.theme = localStorage.getItem("theme") || fallback;
  // Font Awesome would add its rules as a <style> element: they are in lansbok-fontawesome.css.
  window.FontAwesomeConfig = { autoAddCss: false };
})();
