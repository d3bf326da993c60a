from django import template

from publisher_backend.integrations import integrations_switched_off

register = template.Library()


@register.simple_tag
def switched_off_integrations():
    return integrations_switched_off()
