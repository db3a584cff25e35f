// Starts Swagger UI on /schema. A file of its own because the site's CSP (script-src 'self') allows no inline
// script; the OpenAPI document's address comes from this script tag's data-spec-url attribute.
/* global SwaggerUIBundle */
(function start() {
  'use strict';
  var script = document.currentScript;
  var url = (script && script.getAttribute('data-spec-url')) || '/schema/openapi.json';
  window.ui = SwaggerUIBundle({
    url: url,
    dom_id: '#swagger-container',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The default validator is an external service (validator.swagger.io): nothing leaves our origin.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
