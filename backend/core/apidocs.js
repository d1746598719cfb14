// Starts Swagger UI on the API documentation page (backend/core/apidocs.py); "try it" requests
// carry the CSRF token from its cookie, as the PWA's own requests do.
(function () {
  var root = document.getElementById('swagger-ui');
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    requestInterceptor: function (request) {
      var token = document.cookie.split('; ').find(function (row) { return row.indexOf('csrftoken=') === 0; });
      if (token) request.headers['X-CSRFToken'] = token.split('=')[1];
      return request;
    },
  });
})();
