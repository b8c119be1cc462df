<?php
// Bench-only (figure 12): a page that never ends, as an endless loop in a
// user's plugin would (max_execution_time does not fire in php-wasm).
for (;;) {
}
