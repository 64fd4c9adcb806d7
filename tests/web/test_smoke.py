def test_login_page_is_danish_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="da"' in response.get_data(as_text=True)
