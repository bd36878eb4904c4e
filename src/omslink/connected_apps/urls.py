from django.urls import path

from omslink.connected_apps import views

urlpatterns = [
    path("", views.connected_apps_home, name="connected_apps_home"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/issue/", views.api_key_issue, name="api_key_issue"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("oms/", views.oms_app_list, name="oms_app_list"),
    path("oms/open/", views.oms_app_open, name="oms_app_open"),
    path("oms/add/", views.oms_app_add, name="oms_app_add"),
    path("oms/<int:app_id>/", views.oms_app_detail, name="oms_app_detail"),
    path("oms/<int:app_id>/enable/", views.oms_app_enable, name="oms_app_enable"),
    path("oms/<int:app_id>/disable/", views.oms_app_disable, name="oms_app_disable"),
    path("oms/test-webhook/", views.oms_app_test_webhook, name="oms_app_test_webhook"),
    path("oms/test-api/", views.oms_app_test_api, name="oms_app_test_api"),
    path("oms/issue-key/", views.oms_app_issue_key, name="oms_app_issue_key"),
]
