#!/usr/bin/env bash
# Vendor DataTables (MIT) into _static: the long tables' sorting, filter and pages
# (_static/lansbok-tables.js). The files are committed, so building the book needs no npm and no
# network. Run again, with another version, only to upgrade: bash scripts/vendor_datatables.sh 3.1.2
set -euo pipefail
VERSION="${1:-3.1.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# The library (dependency free, a classic script that sets window.DataTable) and its default style.
npm pack --silent "datatables.net@$VERSION" "datatables.net-dt@$VERSION" >/dev/null
for package in datatables.net datatables.net-dt; do
  mkdir "$package" && tar xzf "$package-$VERSION.tgz" -C "$package"
done
cp datatables.net/package/js/dataTables.min.js "$ROOT/_static/datatables.min.js"
cp datatables.net-dt/package/css/dataTables.dataTables.min.css "$ROOT/_static/datatables.min.css"
cp datatables.net/package/License.txt "$ROOT/_static/datatables-LICENSE.txt"
echo "DataTables $VERSION in _static/"
