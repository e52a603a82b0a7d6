#!/usr/bin/env bash
# Screenshots of the API site as a reader sees it: the index, a module page and a guide,
# taken with headless Chromium (Debian: apt-get install chromium). A development step for
# checking the typedoc site and the SVG figures by eye; not part of `npm test`.
#
#   npm run docs && npm run screenshots        # PNGs in demo-output/screenshots/
set -euo pipefail
cd "$(dirname "$0")/../.."
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "screenshots: no Chromium found (Debian: apt-get install chromium)" >&2
  exit 1
fi
if [ ! -f docs/api/index.html ]; then
  echo "screenshots: docs/api/index.html is missing; run npm run docs first" >&2
  exit 1
fi
out=demo-output/screenshots
mkdir -p "$out"
for page in index.html modules/backprop-lens.Lens.html documents/Training.html documents/Performance.html; do
  name=$(basename "$page" .html)
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1280,1600 --screenshot="$out/$name.png" "file://$PWD/docs/api/$page" 2>/dev/null
  echo "$out/$name.png"
done
for figure in docs/figures/*.svg; do
  name=$(basename "$figure" .svg)
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1000,700 --screenshot="$out/figure-$name.png" "file://$PWD/$figure" 2>/dev/null
  echo "$out/figure-$name.png"
done
