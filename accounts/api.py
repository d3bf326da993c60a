from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import orcid, privacy, selectors, services
from accounts.serializers import (
    JournalSystemSerializer,
    LoginRequestSerializer,
    LoginResponseSerializer,
    OrcidProofStartSerializer,
    PrivacyConsentSerializer,
    PrivacyConsentStateSerializer,
    PrivacyExportSerializer,
    ResearcherSerializer,
)
from publisher_backend.http import client_address
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=LoginRequestSerializer,
        responses={200: LoginResponseSerializer, **error_responses(400, 429, 503)},
        extensions={RULES_BEYOND_SCHEMA: ["wechat_code_invalid"]},  # WeChat decides whether a code is good
        summary="Log in with a wx.login code",
        tags=["auth"],
    )
    def post(self, request):
        serializer = LoginRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        raw_token, researcher = services.researcher_login_with_wechat(
            code=serializer.validated_data["code"],
            client_address=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
            language=translation.get_language() or "zh-hans",
        )
        return Response({"token": raw_token, "researcher": ResearcherSerializer(researcher).data})


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Token revoked"),
                                            **error_responses(401)}, tags=["auth"])
    def post(self, request):
        services.auth_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: ResearcherSerializer, **error_responses(401)}, tags=["me"])
    def get(self, request):
        return Response(ResearcherSerializer(request.user.researcher).data)

    @extend_schema(request=ResearcherSerializer, responses={200: ResearcherSerializer, **error_responses(400, 401)},
                   tags=["me"], extensions={RULES_BEYOND_SCHEMA: ["orcid"]})
    def patch(self, request):
        serializer = ResearcherSerializer(request.user.researcher, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        researcher = services.researcher_update_profile(researcher=request.user.researcher,
                                                        changes=serializer.validated_data)
        return Response(ResearcherSerializer(researcher).data)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Erased; every token is revoked"),
                                            **error_responses(401, 409)},
                   summary="Erase the signed-in researcher's personal data (paid orders are kept, anonymized)",
                   tags=["me"])
    def delete(self, request):
        privacy.researcher_erase(researcher=request.user.researcher)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportView(APIView):
    @extend_schema(responses={200: PrivacyExportSerializer, **error_responses(401)},
                   summary="Everything held about the signed-in researcher, as JSON (no secrets)", tags=["me"])
    def get(self, request):
        return Response(privacy.researcher_export(researcher=request.user.researcher))


def _consent_state(researcher) -> dict:
    return {"version": settings.PRIVACY_POLICY_VERSION, "agreed_version": researcher.privacy_consent_version,
            "agreed_at": researcher.privacy_consent_at,
            "privacy_consent_required": privacy.privacy_consent_required(researcher=researcher)}


class MePrivacyConsentView(APIView):
    @extend_schema(responses={200: PrivacyConsentStateSerializer, **error_responses(401)}, tags=["me"])
    def get(self, request):
        return Response(PrivacyConsentStateSerializer(_consent_state(request.user.researcher)).data)

    @extend_schema(request=PrivacyConsentSerializer,
                   responses={200: PrivacyConsentStateSerializer, **error_responses(400, 401)},
                   summary="Record that the researcher agreed to the current privacy policy", tags=["me"],
                   extensions={RULES_BEYOND_SCHEMA: ["version"]})
    def post(self, request):
        serializer = PrivacyConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        researcher = privacy.privacy_consent_record(researcher=request.user.researcher,
                                                    version=serializer.validated_data["version"])
        return Response(PrivacyConsentStateSerializer(_consent_state(researcher)).data)


class MeOrcidView(APIView):
    @extend_schema(request=None, responses={201: OrcidProofStartSerializer, **error_responses(401, 429, 503)},
                   summary="Start proving the researcher's ORCID iD (sign-in at ORCID in a web-view)", tags=["me"])
    def post(self, request):
        authorize_url, expires_at = orcid.orcid_proof_start(researcher=request.user.researcher)
        return Response(OrcidProofStartSerializer({"authorize_url": authorize_url, "expires_at": expires_at}).data,
                        status=status.HTTP_201_CREATED)


class JournalSystemListView(ListAPIView):
    """Journal systems a researcher can link an account on (no credentials, ever)."""

    serializer_class = JournalSystemSerializer

    def get_queryset(self):
        return selectors.journal_systems_enabled()

    @extend_schema(responses={200: JournalSystemSerializer(many=True), **error_responses(401)}, tags=["tracking"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
