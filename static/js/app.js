// Cabinet's only script (no inline script: the CSP forbids it). Behaviour lands here as needed.
"use strict";
