from django.urls import path

from editorial.api import (
    ConversationDetailView,
    ConversationImageView,
    ConversationListView,
    ConversationMessagesView,
)

urlpatterns = [
    path("conversations", ConversationListView.as_view(), name="conversations"),
    path("conversations/<int:conversation_id>", ConversationDetailView.as_view(), name="conversation"),
    path("conversations/<int:conversation_id>/messages", ConversationMessagesView.as_view(),
         name="conversation-messages"),
    path("conversation-images/<int:message_id>", ConversationImageView.as_view(), name="conversation-image"),
]
