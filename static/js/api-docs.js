// The API's documentation page: Swagger UI (served from our static files) reads the schema
// of this server. A file rather than the inline script of drf-spectacular's template, which
// the Content-Security-Policy refuses.
"use strict";
(function () {
  const container = document.getElementById("swagger-ui");
  if (!container || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  SwaggerUIBundle({
    url: container.dataset.schemaUrl,
    domNode: container,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // No badge asking an outside validator about the schema.
    validatorUrl: null,
    // Only the safe methods exist; "try it out" sends GET requests to this server.
    supportedSubmitMethods: ["get", "head"],
  });
})();
