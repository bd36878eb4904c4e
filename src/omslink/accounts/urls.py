from django.urls import path

from omslink.accounts import views

urlpatterns = [
    path("roles/", views.roles, name="roles"),
    path("roles/save/", views.roles_save, name="roles_save"),
    path("roles/add/", views.role_add, name="role_add"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path(
        "users/<int:user_id>/tokens/<int:token_id>/revoke/",
        views.user_token_revoke,
        name="user_token_revoke",
    ),
    path("users/<int:user_id>/role/", views.user_role, name="user_role"),
    path("users/<int:user_id>/active/", views.user_active, name="user_active"),
]
