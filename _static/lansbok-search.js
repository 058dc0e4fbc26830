// The search page puts the focus in its search field (pydata-sphinx-theme's inline script, as a
// file so that the Content-Security-Policy allows it).
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector(".bd-search-container form.bd-search input");
  if (input) {
    input.focus();
    input.select();
  }
});
