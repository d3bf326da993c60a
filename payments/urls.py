from payments.api import documents, institutions, notify, orders

urlpatterns = [*orders.urlpatterns, *notify.urlpatterns, *institutions.urlpatterns, *documents.urlpatterns]
