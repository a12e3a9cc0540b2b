from django.urls import include, path

urlpatterns = [
    path("api/", include("sanzhi.api.urls")),
    path("open311/", include("sanzhi.api.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sanzhi.web.urls")),
]

handler400 = "sanzhi.web.errors.bad_request"
handler403 = "sanzhi.web.errors.permission_denied"
handler404 = "sanzhi.web.errors.page_not_found"
handler500 = "sanzhi.web.errors.server_error"
