from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import linking
from accounts.models import JournalAccount
from manuscripts import selectors
from manuscripts.models import Manuscript
from manuscripts.serializers import (
    JournalAccountCreateSerializer,
    JournalAccountSerializer,
    ManualReviewSerializer,
    ManuscriptDetailSerializer,
    ManuscriptFilterSerializer,
    ManuscriptSerializer,
    RefreshQueuedSerializer,
    VerifyCodeSerializer,
)
from manuscripts.services import linking as tracking_linking
from manuscripts.services import polling
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses

TAGS = ["tracking"]


def _own_account(request, account_id: int):
    account = (selectors.journal_accounts_for_researcher(researcher=request.user.researcher)
               .filter(pk=account_id).first())
    if account is None:
        raise Http404
    return account


def _account_body(request, account_id: int) -> dict:
    return JournalAccountSerializer(_own_account(request, account_id)).data


class JournalAccountListView(ListAPIView):
    serializer_class = JournalAccountSerializer
    queryset = JournalAccount.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.journal_accounts_for_researcher(researcher=self.request.user.researcher)

    @extend_schema(responses={200: JournalAccountSerializer(many=True), **error_responses(401)}, tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=JournalAccountCreateSerializer,
                   extensions={RULES_BEYOND_SCHEMA: ["journal_system", "identity"]},
                   responses={201: JournalAccountSerializer, **error_responses(400, 401, 409, 429, 503)},
                   summary="Link an account: a code goes to the e-mail the platform has on file", tags=TAGS)
    def post(self, request):
        serializer = JournalAccountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = tracking_linking.journal_account_link(researcher=request.user.researcher,
                                                journal_system_id=serializer.validated_data["journal_system"],
                                                identity=serializer.validated_data["identity"])
        return Response(_account_body(request, account.pk), status=status.HTTP_201_CREATED)


class JournalAccountDetailView(APIView):
    @extend_schema(responses={200: JournalAccountSerializer, **error_responses(401, 404)}, tags=TAGS)
    def get(self, request, account_id: int):
        return Response(_account_body(request, account_id))

    @extend_schema(responses={204: OpenApiResponse(description="Unlinked"), **error_responses(401, 404)}, tags=TAGS)
    def delete(self, request, account_id: int):
        linking.journal_account_unlink(account=_own_account(request, account_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class JournalAccountVerifyView(APIView):
    @extend_schema(request=VerifyCodeSerializer,
                   responses={200: JournalAccountSerializer, **error_responses(400, 401, 404, 409, 429)}, tags=TAGS)
    def post(self, request, account_id: int):
        account = _own_account(request, account_id)
        serializer = VerifyCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # What follows a verification (first sync, "account linked" notice) hears accounts' event after commit.
        account = linking.journal_account_verify(account=account, code=serializer.validated_data["code"])
        return Response(_account_body(request, account.pk))


class JournalAccountResendView(APIView):
    @extend_schema(request=None, responses={200: JournalAccountSerializer, **error_responses(401, 404, 409, 429)},
                   tags=TAGS)
    def post(self, request, account_id: int):
        linking.journal_account_resend(account=_own_account(request, account_id))
        return Response(_account_body(request, account_id))


class JournalAccountManualReviewView(APIView):
    @extend_schema(request=ManualReviewSerializer,
                   responses={200: JournalAccountSerializer, **error_responses(400, 401, 404, 409)}, tags=TAGS)
    def post(self, request, account_id: int):
        serializer = ManualReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        linking.journal_account_request_manual_review(account=_own_account(request, account_id),
                                                      note=serializer.validated_data["note"])
        return Response(_account_body(request, account_id))


class JournalAccountRefreshView(APIView):
    @extend_schema(request=None, responses={202: RefreshQueuedSerializer, **error_responses(401, 404, 409, 429)},
                   tags=TAGS)
    def post(self, request, account_id: int):
        polling.account_refresh_request(account=_own_account(request, account_id))
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class ManuscriptListView(ListAPIView):
    serializer_class = ManuscriptSerializer
    queryset = Manuscript.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        filters = ManuscriptFilterSerializer(data=self.request.query_params.dict())  # "?status=" is no filter: 400
        filters.is_valid(raise_exception=True)
        return selectors.manuscripts_for_researcher(researcher=self.request.user.researcher,
                                                    filters=filters.validated_data)

    @extend_schema(parameters=[ManuscriptFilterSerializer], tags=TAGS,
                   responses={200: ManuscriptSerializer(many=True), **error_responses(400, 401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ManuscriptDetailView(APIView):
    @extend_schema(responses={200: ManuscriptDetailSerializer, **error_responses(401, 404)}, tags=TAGS,
                   parameters=[OpenApiParameter("manuscript_id", int, OpenApiParameter.PATH)])
    def get(self, request, manuscript_id: int):
        manuscript = selectors.manuscript_with_timeline(researcher=request.user.researcher, manuscript_id=manuscript_id)
        if manuscript is None:
            raise Http404
        return Response(ManuscriptDetailSerializer(manuscript).data)
