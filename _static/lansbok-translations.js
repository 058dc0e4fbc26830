// Sphinx's doctools.js compiles the language's plural rule with `new Function`, which the
// Content-Security-Policy forbids (no 'unsafe-eval'), so translations.js would fail. Loaded
// between the two (lansbok/csp.py): the same function with Swedish's rule (one form for 1,
// another for the rest) written out.
Documentation.addTranslations = (catalog) => {
  Object.assign(Documentation.TRANSLATIONS, catalog.messages);
  Documentation.PLURAL_EXPR = (n) => (n === 1 ? 0 : 1);
  Documentation.LOCALE = catalog.locale;
};
