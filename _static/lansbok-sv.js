// Swedish for the search page's messages, which Sphinx's Swedish catalogue leaves empty: without
// them a search shows no progress, no count of hits and no word when nothing matches.
// Loaded after translations.js, before the search runs.
Object.assign(Documentation.TRANSLATIONS, {
  "Preparing search...": "Förbereder sökningen …",
  "Searching": "Söker",
  "Search finished, found ${resultCount} page(s) matching the search query.":
    "Sökningen är klar. Antal sidor som matchar: ${resultCount}.",
  "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.":
    "Ingen sida matchar sökningen. Kontrollera stavningen, eller sök på färre ord.",
});
