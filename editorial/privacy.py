"""What editorial holds about a researcher, for accounts.privacy (registered in EditorialConfig.ready()).

Export: every conversation with its messages (text, a signed link to each image, who wrote: the researcher or
the journal's editorial office, never a staff member's name). Erase: the conversations, their messages and the
image files (deleted once the erase commits)."""

from __future__ import annotations

from accounts.models import Researcher
from editorial.selectors import conversations_of_researcher_export, image_url, office_name
from editorial.services import conversations_delete_of_researcher


def conversations_export(researcher: Researcher) -> list[dict]:
    exported = []
    for conversation in conversations_of_researcher_export(researcher=researcher):
        office = office_name(conversation.journal, conversation.language)
        exported.append({
            "id": conversation.pk,
            "journal": {"id": conversation.journal_id,
                        "name": conversation.journal.localized_name(conversation.language)},
            "manuscript": ({"id": conversation.manuscript_id, "title": conversation.manuscript.title}
                           if conversation.manuscript_id else None),
            "state": conversation.state,
            "language": conversation.language,
            "created_at": conversation.created_at.isoformat(),
            "messages": [{"body": message.body, "from_staff": message.from_staff,
                          "author": office if message.from_staff else researcher.display_name,
                          "image": ({"url": image_url(message=message), "width": message.image_width,
                                     "height": message.image_height} if message.image else None),
                          "created_at": message.created_at.isoformat()}
                         for message in conversation.messages.all()],
        })
    return exported


def conversations_erase(researcher: Researcher) -> None:
    conversations_delete_of_researcher(researcher=researcher)
