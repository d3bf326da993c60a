"""Tags in admin: the tags with their members, the assignments and their audit (read-only: tags change only
through tagging.services.tags), and the researchers as an audience, filtered by tag and tagged in bulk."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tagging.models import AssignmentSource, AudienceMember, Tag, TagAssignment, TagAudit, TagGroup
from tagging.services.tags import tag_delete, tags_assign, tags_remove

MEMBERS_PER_PAGE = 50
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def researcher_link(researcher_id: int, label) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:accounts_researcher_change", args=[researcher_id]),
                       label)


def colour_swatch(tag: Tag) -> str:
    return format_html('<span style="display:inline-block;padding:0 6px;border-radius:3px;'
                       'background:{};color:#fff">{}</span>', tag.colour, tag.slug)


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["slug", "name_zh_hans", "name_en", "group", "colour", "self_selectable"]

    def clean_colour(self) -> str:
        colour = self.cleaned_data["colour"].strip()
        if not COLOUR.match(colour):
            raise forms.ValidationError(_("Give a hex colour such as #0052D9."))
        return colour.upper()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ["slug", "name_zh_hans", "name_en", "group", "swatch", "self_selectable", "member_count"]
    list_filter = ["group", "self_selectable"]
    search_fields = ["slug", "name_en", "name_zh_hans"]
    change_form_template = "admin/tagging/tag/change_form.html"
    list_per_page = 100

    def get_queryset(self, request):
        # Counted per listed tag (an index-only count each), not by aggregating every assignment of every tag.
        members = (TagAssignment.objects.filter(tag=OuterRef("pk")).order_by().values("tag")
                   .annotate(total=Count("pk")).values("total"))
        return super().get_queryset(request).annotate(member_count=Coalesce(Subquery(members), 0))

    def get_readonly_fields(self, request, obj=None):
        # The slug is how the staff API, segments and imports name the tag: fixed once made.
        return ["slug", "created_at"] if obj else ["created_at"]

    @admin.display(description=_("colour"))
    def swatch(self, tag: Tag) -> str:
        return colour_swatch(tag)

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, tag: Tag) -> int:
        return tag.member_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The tag's page lists its members, newest first, a page at a time, each with who or what tagged them."""
        extra_context = extra_context or {}
        tag = self.get_object(request, object_id)
        if tag is not None:
            members = (TagAssignment.objects.filter(tag=tag).select_related("researcher")
                       .order_by("-assigned_at", "-pk"))
            page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("members_page"))
            extra_context.update({
                "members_page": page,
                "members_all_url": (reverse("admin:tagging_tagassignment_changelist") + f"?tag__id__exact={tag.pk}"),
                "audience_url": reverse("admin:tagging_audiencemember_changelist") + f"?tag={tag.slug}",
            })
        return super().change_view(request, object_id, form_url, extra_context)

    def get_deleted_objects(self, objs, request):
        # Assignments are not deleted by hand (their admin is read-only): tag_delete takes them off, audited.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, perms_needed - {TagAssignment._meta.verbose_name}, protected

    def delete_model(self, request, obj: Tag) -> None:
        tag_delete(tag=obj, source=AssignmentSource.STAFF, actor=request.user.get_username(),
                   staff_user=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for tag in queryset:
            self.delete_model(request, tag)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the tagging services write: staff look, nobody edits here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TagAssignment)
class TagAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["tag", "researcher_column", "source", "assigned_by", "assigned_at", "expires_at"]
    list_filter = ["source", "tag__group", ("assigned_at", admin.DateFieldListFilter), "tag"]
    search_fields = ["researcher__display_name", "researcher__orcid", "=researcher__id", "tag__slug",
                     "assigned_by"]
    list_select_related = ["tag", "researcher"]
    show_full_result_count = False  # a big table: no second COUNT(*) per page
    list_per_page = 100

    @admin.display(description=_("researcher"), ordering="researcher_id")
    def researcher_column(self, assignment: TagAssignment) -> str:
        return researcher_link(assignment.researcher_id, assignment.researcher)


@admin.register(TagAudit)
class TagAuditAdmin(ReadOnlyAdmin):
    list_display = ["at", "tag_slug", "researcher_column", "action", "source", "actor", "staff_user"]
    list_filter = ["action", "source", ("at", admin.DateFieldListFilter)]
    search_fields = ["researcher__display_name", "researcher__orcid", "=researcher__id", "tag_slug", "actor"]
    list_select_related = ["researcher", "staff_user"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("researcher"), ordering="researcher_id")
    def researcher_column(self, audit: TagAudit) -> str:
        return researcher_link(audit.researcher_id, audit.researcher)


# --- Researchers as an audience -------------------------------------------------------------------------------

class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return [(tag.slug, f"{tag.slug} — {tag.localized_name(request.LANGUAGE_CODE)}")
                for tag in Tag.objects.order_by("group", "slug")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Exists(TagAssignment.objects.filter(researcher=OuterRef("pk"),
                                                                        tag__slug=self.value())))
        return queryset


class TagGroupFilter(admin.SimpleListFilter):
    title = _("tag group")
    parameter_name = "tag_group"

    def lookups(self, request, model_admin):
        return TagGroup.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Exists(TagAssignment.objects.filter(researcher=OuterRef("pk"),
                                                                        tag__group=self.value())))
        return queryset


class InstitutionFilter(admin.SimpleListFilter):
    title = _("institution")
    parameter_name = "institution"

    def lookups(self, request, model_admin):
        return [("given", _("Given")), ("empty", _("Not given"))]

    def queryset(self, request, queryset):
        if self.value() == "given":
            return queryset.exclude(institution="")
        if self.value() == "empty":
            return queryset.filter(institution="")
        return queryset


class TagChoiceForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.order_by("group", "slug"))


class TagAddForm(TagChoiceForm):
    expires_at = forms.SplitDateTimeField(label=_("Expires at"), required=False, widget=widgets.AdminSplitDateTime,
                                          help_text=_("Optional: the nightly run takes the tag off after this time."))

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("Give a time in the future, or leave it empty."))
        return expires_at


@admin.register(AudienceMember)
class AudienceMemberAdmin(admin.ModelAdmin):
    """Researchers with their tags; staff filter them and add or remove a tag on the selection."""

    list_display = ["id", "display_name", "institution", "language", "tags_column", "created_at"]
    list_display_links = ["id", "display_name"]
    list_filter = [TagFilter, TagGroupFilter, "language", InstitutionFilter]
    search_fields = ["display_name", "institution", "orcid"]
    actions = ["add_tag", "remove_tag"]
    list_per_page = 100
    show_full_result_count = False
    fields = ["display_name", "institution", "language", "orcid", "created_at", "tags_column"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            Prefetch("tag_assignments", queryset=TagAssignment.objects.select_related("tag").order_by("tag__slug")))

    def has_add_permission(self, request) -> bool:
        return False  # researchers come from the Mini Program

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # their profile is edited under Accounts

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_tag_permission(self, request) -> bool:
        return request.user.has_perm("tagging.tag_researchers")

    @admin.display(description=_("tags"))
    def tags_column(self, researcher: AudienceMember) -> str:
        return format_html_join(" ", "{}", ((colour_swatch(assignment.tag),)
                                            for assignment in researcher.tag_assignments.all())) or "—"

    @admin.action(description=_("Add a tag…"), permissions=["tag"])
    def add_tag(self, request, queryset):
        return self._tag_action(request, queryset, form_class=TagAddForm, action="add_tag",
                                title=_("Add a tag to the selected researchers"))

    @admin.action(description=_("Remove a tag…"), permissions=["tag"])
    def remove_tag(self, request, queryset):
        return self._tag_action(request, queryset, form_class=TagChoiceForm, action="remove_tag",
                                title=_("Remove a tag from the selected researchers"))

    def _tag_action(self, request, queryset, *, form_class, action: str, title):
        """First the page choosing the tag (posting back to the changelist with the same selection), then the
        change, through tagging.services.tags as this staff member."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            tag = form.cleaned_data["tag"]
            researcher_ids = list(queryset.values_list("pk", flat=True))
            who = {"source": AssignmentSource.STAFF, "actor": request.user.get_username(), "staff_user": request.user}
            if action == "add_tag":
                changed = tags_assign(tag=tag, researcher_ids=researcher_ids,
                                      expires_at=form.cleaned_data.get("expires_at"), **who)
                message = ngettext("Tag %(tag)s added to %(count)d researcher (%(selected)d selected).",
                                   "Tag %(tag)s added to %(count)d researchers (%(selected)d selected).", len(changed))
            else:
                changed = tags_remove(tag=tag, researcher_ids=researcher_ids, **who)
                message = ngettext("Tag %(tag)s removed from %(count)d researcher (%(selected)d selected).",
                                   "Tag %(tag)s removed from %(count)d researchers (%(selected)d selected).",
                                   len(changed))
            self.message_user(request, message % {"tag": tag.slug, "count": len(changed),
                                                  "selected": len(researcher_ids)}, level=messages.SUCCESS)
            return None
        select_across = request.POST.get("select_across") == "1"
        context = {
            **self.admin_site.each_context(request), "title": title, "form": form, "action": action,
            "opts": self.model._meta, "media": self.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "select_across": select_across,
            "selected_count": queryset.count(),
            # With "select all", the filtered list is the selection: the page posts the filters back, not ids.
            "selected_ids": [] if select_across else list(queryset.values_list("pk", flat=True)),
        }
        return TemplateResponse(request, "admin/tagging/audiencemember/tag_action.html", context)
