from django import template

from editorial.dashboard import dashboard_figures

register = template.Library()


@register.inclusion_tag("admin/editorial/dashboard.html", takes_context=True)
def editorial_dashboard(context):
    """The admin index's dashboard for the signed-in staff member (their journals only)."""
    return {"dashboard": dashboard_figures(context["request"].user)}
