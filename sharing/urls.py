from django.urls import path

from sharing.api import (
    ManuscriptSharesView,
    PublicShareView,
    ShareBySceneView,
    ShareCardView,
    ShareOpenedView,
    SharePosterView,
)

urlpatterns = [
    path("manuscripts/<int:manuscript_id>/shares", ManuscriptSharesView.as_view(), name="manuscript-shares"),
    path("shares/by-scene/<path:scene>", ShareBySceneView.as_view(), name="share-by-scene"),
    path("shares/<str:share_id>", PublicShareView.as_view(), name="share"),
    path("shares/<str:share_id>/poster.png", SharePosterView.as_view(), name="share-poster"),
    path("shares/<str:share_id>/opened", ShareOpenedView.as_view(), name="share-opened"),
    path("shares/<str:share_id>/card.png", ShareCardView.as_view(), name="share-card"),
]
