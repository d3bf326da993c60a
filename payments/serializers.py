from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.serializers import JournalBriefSerializer, request_language
from payments.models import OrderStatus, RefundStatus, SettledBy
from payments.selectors.orders import charge_kinds_by_code, charge_label


class PersonBriefSerializer(serializers.Serializer):
    display_name = serializers.CharField()


class _OrderBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("The charge kind's code, e.g. apc."))
    kind_label = serializers.SerializerMethodField()
    amount_fen = serializers.IntegerField(help_text=_("What is due now, in fen (after any voucher or discount)."))
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    title = serializers.SerializerMethodField(help_text=_("The manuscript's title, else the order's description."))
    journal = JournalBriefSerializer(allow_null=True)

    def get_kind_label(self, order) -> str:
        if "charge_kinds" not in self.context:  # read once per response, however many orders it lists
            self.context["charge_kinds"] = charge_kinds_by_code()
        return charge_label(kind=order.kind, language=request_language(), charge_kinds=self.context["charge_kinds"])

    def get_title(self, order) -> str:
        return order.manuscript.title if order.manuscript_id and order.manuscript else order.description


class OrderSerializer(_OrderBaseSerializer):
    status_label = serializers.CharField(source="get_status_display")
    original_amount_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField()
    currency = serializers.CharField()
    manuscript = serializers.IntegerField(source="manuscript_id", allow_null=True)
    out_trade_no = serializers.CharField(help_text=_("Our order number (quote it to the editorial office)."))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    transaction_id = serializers.CharField(help_text=_("WeChat Pay's transaction id, once paid with WeChat Pay."))
    payer = serializers.SerializerMethodField(help_text=_("Who paid, when it was not the author; else null."))
    role = serializers.SerializerMethodField(help_text=_("author: the caller's own or co-authored order; payer: "
                                                         "an order the caller paid for someone else."))
    settled_by = serializers.ChoiceField(choices=[("", "")] + SettledBy.choices)
    can_pay = serializers.SerializerMethodField()

    def get_payer(self, order) -> dict | None:
        return {"display_name": order.payer.display_name} if order.payer_id and order.payer else None

    def get_role(self, order) -> str:
        researcher = self.context.get("researcher")
        if researcher is not None and order.payer_id == researcher.pk and order.researcher_id != researcher.pk:
            return "payer"
        return "author"

    def get_can_pay(self, order) -> bool:
        return order.is_open and not order.is_expired


class RefundBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RefundStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    succeeded_at = serializers.DateTimeField(allow_null=True)


class ShareSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class CoverageBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    institution = serializers.CharField()
    reason = serializers.CharField()


class CoverageOfferSerializer(serializers.Serializer):
    agreement = serializers.IntegerField()
    institution = serializers.CharField()


class BankTransferSerializer(serializers.Serializer):
    account_name = serializers.CharField()
    bank_name = serializers.CharField()
    account_number = serializers.CharField()
    reference = serializers.CharField(help_text=_("Put this in the transfer's remark (附言) so we find the order."))
    amount_fen = serializers.IntegerField()


class VoucherBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    discount_fen = serializers.IntegerField()


class OrderDetailSerializer(OrderSerializer):
    """The order with what its page offers: refunds, the live share link (the author only), and the institution
    side (coverage, coverage offers, bank transfer details, voucher), from `payments.selectors.institutions`."""

    refunds = RefundBriefSerializer(many=True, read_only=True, source="refunds.all")
    share = ShareSerializer(allow_null=True, read_only=True, required=False)
    coverage = CoverageBriefSerializer(allow_null=True, read_only=True, required=False)
    coverage_offers = CoverageOfferSerializer(many=True, read_only=True, required=False)
    bank_transfer = BankTransferSerializer(allow_null=True, read_only=True, required=False)
    voucher = VoucherBriefSerializer(allow_null=True, read_only=True, required=False)

    def to_representation(self, order):
        shown = super().to_representation(order)
        shown.update(self.context.get("details", {}))
        return shown


class SharedOrderSerializer(_OrderBaseSerializer):
    """What whoever opens a share link sees: what paying needs, and nothing of the author but the name."""

    author = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    can_pay = serializers.SerializerMethodField()

    def get_can_pay(self, order) -> bool:
        return order.is_open and not order.is_expired

    def get_author(self, order) -> dict:
        return {"display_name": order.researcher.display_name if order.researcher else ""}


class RequestPaymentSerializer(serializers.Serializer):
    """The object for wx.requestPayment."""

    timeStamp = serializers.CharField()  # noqa: N815  (WeChat's names)
    nonceStr = serializers.CharField()  # noqa: N815
    package = serializers.CharField()
    signType = serializers.CharField()  # noqa: N815
    paySign = serializers.CharField()  # noqa: N815


class OrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
