"""What sharing holds about a researcher, for accounts.privacy (registered in SharingConfig.ready()).

Export: the researcher's shares (what each shows, how often it was opened). Erase: every share is deleted with
its posters and opens, so the public links and their Mini Program codes answer 404 from then on."""

from __future__ import annotations

from accounts.models import Researcher
from sharing.selectors import shares_of_researcher
from sharing.services import shares_delete_of_researcher


def shares_export(researcher: Researcher) -> list[dict]:
    return [{"id": share.pk, "manuscript": share.manuscript_id, "title": share.manuscript.title,
             "show_coauthors": share.show_coauthors, "open_count": share.open_count,
             "created_at": share.created_at.isoformat()}
            for share in shares_of_researcher(researcher=researcher)]


def shares_erase(researcher: Researcher) -> None:
    shares_delete_of_researcher(researcher=researcher)
