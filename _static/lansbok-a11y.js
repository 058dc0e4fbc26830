// Accessible names that the theme leaves out (WCAG 2.1 AA: 4.1.2 Name, Role, Value and
// 2.5.3 Label in Name). Found by the axe checks in tests/test_book.py.
document.addEventListener("DOMContentLoaded", () => {
  // The expand arrows of the side menu: name them after the chapter they open.
  for (const summary of document.querySelectorAll("nav details > summary")) {
    const link = summary.parentElement.parentElement.querySelector(":scope > a");
    const chapter = link ? ": " + link.textContent.trim() : "";
    summary.setAttribute("aria-label", "Visa eller dölj avsnitten" + chapter);
  }
  // The search buttons show "Sök Ctrl+K" but are labelled "Sök": let the text be the name.
  for (const button of document.querySelectorAll(".search-button-field[aria-label]")) {
    button.removeAttribute("aria-label");
  }
});
