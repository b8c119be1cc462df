<?php
// Bench-only (figure 3): the smallest page, so the time measured is the
// serving path around PHP, not PHP's own work.
echo 'Hello, world!';
