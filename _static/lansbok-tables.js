// Long tables of lansbok.report.Page.table (class "lansbok-sortable"): sorting by column, a filter
// box and pages, by DataTables (_static/datatables.min.js, MIT, see datatables-LICENSE.txt;
// vendored by scripts/vendor_datatables.sh). Without JavaScript the table is complete as written.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.DataTable) return;
  const swedish = {
    decimal: ",",
    thousands: "\u202f",
    emptyTable: "Tabellen innehåller inga rader",
    entries: { _: "rader", 1: "rad" },
    info: "Visar _START_ till _END_ av _TOTAL_ _ENTRIES-TOTAL_",
    infoEmpty: "Visar 0 till 0 av 0 _ENTRIES-TOTAL_",
    infoFiltered: "(av totalt _MAX_)",
    lengthMenu: "Visa _MENU_ rader per sida",
    lengthLabels: { "-1": "alla" },
    loadingRecords: "Laddar …",
    search: "Sök i tabellen:",
    zeroRecords: "Inga rader matchar sökningen",
    paginate: { first: "«", last: "»", next: "Nästa", previous: "Föregående" },
    aria: {
      orderable: ": sortera efter kolumnen",
      orderableReverse: ": sortera i omvänd ordning",
      orderableRemove: ": ta bort sorteringen",
      paginate: { first: "Första sidan", last: "Sista sidan", next: "Nästa sida", previous: "Föregående sida" },
    },
  };
  // DataTables gives the events it handles a read-only `delegateTarget`; the copy button's
  // clipboard.js then cannot set its own, takes the table's cell for a copy button and throws.
  // Past the table, the property is writable again.
  const release = (event) =>
    Object.defineProperty(event, "delegateTarget", { configurable: true, writable: true, value: undefined });
  for (const table of document.querySelectorAll("table.lansbok-sortable")) {
    (table.closest(".lansbok-table") || table.parentElement).addEventListener("click", release);
    new DataTable(table, {
      order: [], // the page's own order (largest first) until the reader sorts
      pageLength: 25,
      lengthMenu: [10, 25, 50, 100, -1],
      autoWidth: false,
      // Numbers shown Swedish-formatted ("9 625", "..") sort by their data-order value.
      columnDefs: [{ targets: "lansbok-number", type: "num" }],
      language: swedish,
      initComplete() {
        // The one text that DataTables does not take from `language`.
        const pages = this.api().table().container().querySelector(".dt-paging nav");
        if (pages) pages.setAttribute("aria-label", "Tabellens sidor");
      },
    });
  }
});
