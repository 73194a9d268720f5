// Starts Swagger UI on /docs. A file, not an inline script, so /docs runs under the app's
// Content-Security-Policy (script-src 'self', no 'unsafe-inline'); the page passes the URL
// of its OpenAPI document in this script tag's data-openapi-url.
(function () {
  "use strict";
  var url = document.currentScript.dataset.openapiUrl;
  window.ui = SwaggerUIBundle({
    url: url,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the default badge would call validator.swagger.io
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
