#!/usr/bin/env bash
# Refresh resources/translations/*.ts from the source (new strings are added unfinished, strings no
# longer in the source are dropped) and compile them to .qm. Run after changing user-visible text,
# then translate what is new in citytwin_vi.ts (pyside6-linguist, or any editor).
# Usage: bash packaging/update_translations.sh [--compile-only]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=".venv/bin"
if [ "${1:-}" != "--compile-only" ]; then
  mapfile -t sources < <(git ls-files 'viewer/*.py' 2>/dev/null || find viewer -name '*.py')
  "$bin/pyside6-lupdate" -no-obsolete -locations none "${sources[@]}" \
      -ts resources/translations/citytwin_vi.ts resources/translations/citytwin_en.ts
  "$bin/python" packaging/fill_english_ts.py resources/translations/citytwin_en.ts
fi
for ts in resources/translations/*.ts; do
  "$bin/pyside6-lrelease" -silent "$ts" -qm "${ts%.ts}.qm"
done
