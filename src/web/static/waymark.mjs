// Starts the NHS design system's components (the error summary takes the
// focus, the password fields get their Show button). Every page works
// without this file: it only enhances.
import { initAll } from '/assets/nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();
