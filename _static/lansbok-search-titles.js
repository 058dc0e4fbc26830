// Search results: Sphinx 7.4 writes a result's title with innerHTML, and the titles of sections
// (`alltitles` in the search index) are stored as plain text, so a name from the data in a
// heading would be markup in the results. Escape those titles once the index is loaded (page
// titles, `titles`, are stored escaped already). This script runs before searchtools.js; the
// index is set by searchindex.js before DOMContentLoaded, and the search runs after it.
(function () {
  const escape = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const escapeKeys = (entries) =>
    Object.fromEntries(Object.entries(entries || {}).map(([key, value]) => [escape(key), value]));
  const clean = (index) => {
    index.alltitles = escapeKeys(index.alltitles);
    index.indexentries = escapeKeys(index.indexentries);
    return index;
  };
  document.addEventListener("DOMContentLoaded", () => {
    if (typeof Search === "undefined") return;
    if (Search._index) clean(Search._index);
    const setIndex = Search.setIndex; // an index loaded later
    Search.setIndex = (index) => setIndex(clean(index));
  });
})();
