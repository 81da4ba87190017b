package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// fakeAuthenticator knows two bearer tokens: "reader" and "writer".
var fakeAuthenticator = authenticator.RequestFunc(func(req *http.Request) (*authenticator.Response, bool, error) {
	switch req.Header.Get("Authorization") {
	case "":
		return nil, false, nil
	case "Bearer reader":
		return &authenticator.Response{User: &user.DefaultInfo{Name: "reader"}}, true, nil
	case "Bearer writer":
		return &authenticator.Response{User: &user.DefaultInfo{Name: "writer"}}, true, nil
	case "Bearer broken":
		return &authenticator.Response{User: &user.DefaultInfo{Name: "broken"}}, true, nil
	}
	return nil, false, errors.New("invalid bearer token")
})

// fakeAuthorizer lets "reader" get /metrics, nobody anything else, and fails
// for "broken" as a SubjectAccessReview that cannot be sent does.
func fakeAuthorizer(seen *[]authorizer.Attributes) authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		*seen = append(*seen, a)
		switch {
		case a.GetUser().GetName() == "broken":
			return authorizer.DecisionNoOpinion, "", errors.New("connection refused")
		case a.GetUser().GetName() == "reader" && a.GetVerb() == "get" && a.GetPath() == "/metrics" && !a.IsResourceRequest():
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "no RBAC policy matched", nil
	})
}

func TestWithAuth(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, token string
		want                      int
		// authorized: the request reached the authorizer.
		authorized bool
	}{
		{"anonymous", http.MethodGet, "/metrics", "", http.StatusUnauthorized, false},
		{"invalid token", http.MethodGet, "/metrics", "made-up", http.StatusUnauthorized, false},
		{"reader", http.MethodGet, "/metrics", "reader", http.StatusOK, true},
		{"reader posts", http.MethodPost, "/metrics", "reader", http.StatusForbidden, true},
		{"reader profiles", http.MethodGet, "/debug/pprof/heap", "reader", http.StatusForbidden, true},
		{"denied", http.MethodGet, "/metrics", "writer", http.StatusForbidden, true},
		{"authorizer fails", http.MethodGet, "/metrics", "broken", http.StatusInternalServerError, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []authorizer.Attributes
			var reached *http.Request
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = r })
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			withAuth(inner, fakeAuthenticator, fakeAuthorizer(&seen)).ServeHTTP(rec, req)

			if rec.Code != tc.want {
				t.Errorf("%s %s = %d %q, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
			if (reached != nil) != (tc.want == http.StatusOK) {
				t.Errorf("the handler was reached: %v, want %v", reached != nil, tc.want == http.StatusOK)
			}
			if reached != nil && reached.Header.Get("Authorization") != "" {
				t.Error("the handler got the bearer token")
			}
			if got := len(seen) > 0; got != tc.authorized {
				t.Fatalf("the authorizer was asked: %v, want %v", got, tc.authorized)
			}
			if tc.authorized {
				a := seen[0]
				if a.IsResourceRequest() || a.GetPath() != tc.path || a.GetUser().GetName() != tc.token {
					t.Errorf("authorized %+v, want a non-resource request of %s on %s", a, tc.token, tc.path)
				}
			}
		})
	}
}

// The 403 names the user, the verb and the path, as the API server's does.
func TestWithAuthForbiddenMessage(t *testing.T) {
	var seen []authorizer.Attributes
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer writer")
	rec := httptest.NewRecorder()
	withAuth(http.NotFoundHandler(), fakeAuthenticator, fakeAuthorizer(&seen)).ServeHTTP(rec, req)
	if want := "Forbidden: user \"writer\" cannot get path \"/metrics\"\n"; rec.Body.String() != want {
		t.Errorf("body %q, want %q", rec.Body, want)
	}
}
