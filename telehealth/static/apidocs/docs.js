// Starts Swagger UI on /docs; a file of its own so the page's CSP allows no inline script.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // Never send the document to swagger.io's validator: the page must work with no internet.
    validatorUrl: null,
    // A token pasted under Authorize lives only as long as the tab, never in localStorage.
    persistAuthorization: false,
  });
})();
